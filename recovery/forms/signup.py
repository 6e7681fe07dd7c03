"""Self-registration forms: shape checks and French messages; rules live in the flow."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import PASSWORD_MAX, NewPasswordMixin
from accounts.models import User
from accounts.people import Child
from core.fields import IdentifierField, MobileField
from core.text import de_prefix
from core.widgets import RadioSelect
from recovery.flows.signup import Decision

NAME_MAX = 150
# No child on the roster is born before 1990: a year before is a typing mistake.
EARLIEST_BIRTH_YEAR = 1990
BIRTH_DATE_MAX = 30
YES, NO = "oui", "non"
# jj/mm/aaaa with any of / - . or spaces between the parts, or the 8 digits run together.
_SEPARATED = re.compile(r"^([0-9]{1,2})\s*[/\-.\s]\s*([0-9]{1,2})\s*[/\-.\s]\s*([0-9]+)$")
_RUN_TOGETHER = re.compile(r"^([0-9]{2})([0-9]{2})([0-9]{4})$")


class SignupForm(forms.Form):
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=NAME_MAX,
        help_text=_("Tel que l'établissement l'a enregistré, par exemple : Benali"),
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={"required": _("Saisissez votre nom.")},
    )
    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={"required": _("Saisissez votre prénom.")},
    )
    mobile = MobileField(
        help_text=_("Celui que vous avez donné à l'établissement, par exemple : 06 12 34 56 78"),
        error_messages={"required": _("Saisissez votre numéro de mobile.")},
    )


def _ascii_digits(text: str) -> str:
    """Full-width and other Unicode decimal digits become ASCII; the rest is left as typed."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch
        for ch in text
    )


def parse_birth_date(raw: str, *, today: dt.date) -> dt.date:
    """Read jj/mm/aaaa as people type it on a phone; raise ValidationError in plain French."""
    text = _ascii_digits(raw or "").strip()
    match = _SEPARATED.match(text) or _RUN_TOGETHER.match(text)
    if match is None:
        raise ValidationError(
            _("Saisissez la date au format jj/mm/aaaa, par exemple : 14/03/2012."),
            code="birth_date_shape",
        )
    day, month, year = (int(part) for part in match.groups())
    if len(match.group(3)) != 4:
        raise ValidationError(
            _("Écrivez l'année avec ses 4 chiffres, par exemple : 14/03/2012."),
            code="birth_date_year_digits",
        )
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("Cette date n'existe pas : vérifiez le jour et le mois."),
            code="birth_date_invalid",
        ) from None
    if date > today:
        raise ValidationError(
            _("Cette date est dans le futur : vérifiez l'année."), code="birth_date_future"
        )
    if year < EARLIEST_BIRTH_YEAR:
        raise ValidationError(
            _("Vérifiez l'année : elle doit être %(year)d ou après.")
            % {"year": EARLIEST_BIRTH_YEAR},
            code="birth_date_too_old",
        )
    return date


class BirthDateField(forms.CharField):
    """A text field on purpose: a numeric keypad and any separator, on every phone."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", BIRTH_DATE_MAX)
        kwargs.setdefault("help_text", _("Format jj/mm/aaaa, par exemple : 14/03/2012"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "jj/mm/aaaa"}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        return parse_birth_date(text, today=timezone.localdate())

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        """The length check runs in ``clean`` before parsing; nothing else to run on a date."""

    def clean(self, value: Any) -> dt.date | None:
        if isinstance(value, str) and len(value) > BIRTH_DATE_MAX:
            raise ValidationError(
                _("Saisissez la date au format jj/mm/aaaa, par exemple : 14/03/2012."),
                code="birth_date_shape",
            )
        cleaned: dt.date | None = super().clean(value)
        return cleaned


class ChildrenForm(forms.Form):
    """One *oui / non* and one birth date per child listed by the flow."""

    def __init__(self, children: list[Child], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[self.legal_name(child)] = forms.ChoiceField(
                label=format_lazy(
                    _("Je suis le représentant légal {de}{name}"),
                    de=de_prefix(child.name),
                    name=child.name,
                ),
                choices=[(YES, _("oui")), (NO, _("non"))],
                widget=RadioSelect(
                    inline=True, legend=_("Je suis le représentant légal de cet élève :")
                ),
                error_messages={"required": _("Répondez oui ou non pour cet élève.")},
            )
            self.fields[self.birth_date_name(child)] = BirthDateField(
                label=format_lazy(
                    _("Date de naissance {de}{name}"), de=de_prefix(child.name), name=child.name
                ),
                required=False,
            )

    @staticmethod
    def legal_name(child: Child) -> str:
        return f"legal_{child.student_id}"

    @staticmethod
    def birth_date_name(child: Child) -> str:
        return f"birth_date_{child.student_id}"

    def rows(self) -> Iterator[tuple[Child, BoundField, BoundField]]:
        for child in self.children:
            yield child, self[self.legal_name(child)], self[self.birth_date_name(child)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answers = [cleaned.get(self.legal_name(child)) for child in self.children]
        for child in self.children:
            date_name = self.birth_date_name(child)
            if (
                cleaned.get(self.legal_name(child)) == YES
                and cleaned.get(date_name) is None
                and date_name not in self.errors
            ):
                self.add_error(
                    date_name,
                    ValidationError(
                        _("Saisissez la date de naissance de l'élève (jj/mm/aaaa)."),
                        code="required",
                    ),
                )
        if None not in answers and YES not in answers:
            raise ValidationError(
                _(
                    "Confirmez au moins un élève pour continuer. Si aucun de ces élèves n'est "
                    "le vôtre, contactez le secrétariat de l'établissement."
                ),
                code="no_child",
            )
        return cleaned

    def decisions(self) -> dict[int, Decision]:
        return {
            child.student_id: Decision(
                is_legal_guardian=self.cleaned_data[self.legal_name(child)] == YES,
                birth_date=self.cleaned_data.get(self.birth_date_name(child)),
            )
            for child in self.children
        }


class SignupPasswordForm(NewPasswordMixin):
    identifier_noted = forms.BooleanField(
        label=_("Je prends note de mon identifiant"),
        error_messages={
            "required": _("Cochez la case pour confirmer que vous avez noté votre identifiant.")
        },
    )
    field_order = ["identifier_noted", "new_password1", "new_password2"]

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)


class ExistingAccountForm(forms.Form):
    """« J'ai déjà un compte » at the last step of self-registration."""

    prefix = "existing"

    identifier = IdentifierField(label=_("Identifiant de mon compte"))
    password = forms.CharField(
        label=_("Mot de passe de mon compte"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
