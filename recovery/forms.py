"""Forms of the recovery flows: shape checks and French messages only; rules live in flows."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.account_forms import NewPasswordMixin
from accounts.forms import IDENTIFIER_MAX
from accounts.models import User
from accounts.phones import InvalidPhoneNumber, normalize_mobile
from recovery.codes import CODE_DIGITS

CHANNELS = [
    ("sms", _("Par SMS, au numéro de mobile connu de l'établissement")),
    ("email", _("Par e-mail, à mon adresse e-mail vérifiée")),
]
# Spaces, dashes and dots people type or paste between groups of digits.
_SEPARATORS = re.compile(r"[\s\-\.\u00a0\u202f]+")


class ForgotPasswordForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifiant"),
        max_length=IDENTIFIER_MAX,
        help_text=_("Au format prenom.nom suivi d'un chiffre, par exemple : camille.martin1"),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    channel = forms.ChoiceField(
        label=_("Recevoir de quoi choisir un nouveau mot de passe"),
        choices=CHANNELS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez SMS ou e-mail.")},
    )

    def clean_identifier(self) -> str:
        return str(self.cleaned_data["identifier"]).strip().lower()


def normalize_code(raw: str) -> str:
    """Full-width digits become ASCII (NFKC) and separators go: what a pasted SMS looks like."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code reçu par SMS"),
        help_text=_("6 chiffres"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
            }
        ),
        error_messages={"required": _("Saisissez le code reçu par SMS.")},
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
            raise ValidationError(
                _("Le code est composé de 6 chiffres, par exemple : 123456."), code="code_shape"
            )
        return code


class ForgotIdentifierSmsForm(forms.Form):
    mobile = forms.CharField(
        label=_("Numéro de mobile"),
        max_length=30,
        help_text=_("Celui que vous avez donné à l'établissement, par exemple : 06 12 34 56 78"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_mobile(self) -> str:
        try:
            return normalize_mobile(self.cleaned_data["mobile"])
        except InvalidPhoneNumber:
            raise ValidationError(
                _("Ce numéro de mobile n'est pas valide. Exemple : 06 12 34 56 78."),
                code="invalid_mobile",
            ) from None


class ForgotIdentifierEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse e-mail"),
        max_length=254,
        help_text=_("Celle que vous avez vérifiée dans « Mon compte »."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


class ResetPasswordForm(NewPasswordMixin):
    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
