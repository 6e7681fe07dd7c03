"""Forms of Mon compte: shape checks and French messages; rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import PASSWORD_MAX, NewPasswordMixin, throttled_message
from accounts.models import User
from core.fields import IdentifierField
from core.text import canonical_email
from core.widgets import RadioSelect
from recovery.codes import lifetimes


class PasswordChangeForm(NewPasswordMixin):
    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "new_password1", "new_password2"]

    def __init__(self, user: User, *args: Any, wait_seconds: int = 0, **kwargs: Any) -> None:
        self.user = user
        self.wait_seconds = wait_seconds  # the login throttle of the identifier says wait
        self.current_password_wrong = False  # compared, and wrong: a failure to count
        super().__init__(*args, **kwargs)

    def clean_current_password(self) -> str:
        password: str = self.cleaned_data["current_password"]
        if self.wait_seconds:
            raise ValidationError(throttled_message(self.wait_seconds), code="throttled")
        if not self.user.check_password(password):
            self.current_password_wrong = True
            raise ValidationError(
                _("Le mot de passe actuel est incorrect."), code="password_incorrect"
            )
        return password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("current_password") and cleaned.get("current_password") == cleaned.get(
            "new_password1"
        ):
            self.add_error(
                "new_password1",
                ValidationError(
                    _("Choisissez un mot de passe différent de l'actuel."), code="password_same"
                ),
            )
        return cleaned


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = (
            gettext("Un lien de confirmation valable %(email_link_hours)d heures y sera envoyé.")
            % lifetimes()
        )

    def clean_email(self) -> str:
        local, _at, domain = self.cleaned_data["email"].strip().rpartition("@")
        email = f"{local}@{domain.lower()}"
        if self.user.has_verified_email and canonical_email(email) == canonical_email(
            self.user.email
        ):
            raise ValidationError(
                _("C'est déjà votre adresse e-mail vérifiée."), code="email_unchanged"
            )
        return email


class AttachmentReportForm(forms.Form):
    comment = forms.CharField(
        label=_("Précisions pour l'établissement (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MergeProofForm(forms.Form):
    """The other account: its identifier, and how it is proved: its password (checked in the
    flow, with the login's throttle) or a code sent by SMS to the mobile its schools hold."""

    BY_PASSWORD = "password"  # noqa: S105 - the name of a choice, not a password
    BY_SMS = "sms"

    identifier = IdentifierField(
        label=_("Identifiant de l'autre compte"),
        help_text=_(
            "L'identifiant du compte à regrouper avec celui-ci, par exemple camille.martin2"
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    proof = forms.ChoiceField(
        label=_("Comment prouver que l'autre compte est le vôtre"),
        choices=[
            (BY_PASSWORD, _("Avec le mot de passe de l'autre compte")),
            (
                BY_SMS,
                _(
                    "Recevoir un code par SMS au numéro connu de l'établissement "
                    "pour l'autre compte"
                ),
            ),
        ],
        initial=BY_PASSWORD,
        widget=RadioSelect,
        error_messages={"required": _("Choisissez le mot de passe ou le code par SMS.")},
    )
    password = forms.CharField(
        label=_("Mot de passe de l'autre compte"),
        help_text=_("Inutile si vous choisissez de recevoir un code par SMS."),
        required=False,
        max_length=PASSWORD_MAX,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("proof") == self.BY_PASSWORD and not cleaned.get("password"):
            self.add_error(
                "password",
                _("Saisissez le mot de passe de l'autre compte, ou choisissez le code par SMS."),
            )
        return cleaned

    @property
    def by_sms(self) -> bool:
        return self.cleaned_data.get("proof") == self.BY_SMS


class AliasForm(forms.Form):
    identifier = IdentifierField(
        label=_("Identifiant personnalisé"),
        help_text=_(
            "En lettres minuscules sans accents, des mots séparés par un point ou un tiret, "
            "éventuellement suivis d'un nombre : par exemple marie.dupont ou marie-dupont75."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
