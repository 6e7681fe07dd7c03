"""Form fields for what people type again and again: a mobile, an identifier, a 6-digit code.

Each field gives the canonical value to the form (E.164, the canonical identifier, six ASCII
digits) and one French message for a malformed entry, so every form says the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.phones import InvalidPhoneNumber, normalize_mobile
from core.text import IDENTIFIER_MAX, canonical_identifier

CODE_DIGITS = 6
# Spaces, dashes and dots people type or paste between groups of digits.
_SEPARATORS = re.compile(r"[\s\-\.\u00a0\u202f]+")
MOBILE_INPUT_MAX = 30


class MobileField(forms.CharField):
    """A mobile number as people write it (``06 12 34 56 78``, ``+262 692…``), cleaned to E.164."""

    default_error_messages = {
        "invalid_mobile": _(
            "Ce numéro de mobile n'est pas valide. Exemple : 06 12 34 56 78 ou +262 692 12 34 56."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Numéro de mobile"))
        kwargs.setdefault("max_length", MOBILE_INPUT_MAX)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if text in self.empty_values:
            return ""
        try:
            return normalize_mobile(text)
        except InvalidPhoneNumber:
            raise ValidationError(
                self.error_messages["invalid_mobile"], code="invalid_mobile"
            ) from None


class IdentifierField(forms.CharField):
    """A login identifier, given to the form in its canonical form (``core.text``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Identifiant"))
        kwargs.setdefault("max_length", IDENTIFIER_MAX)
        kwargs.setdefault(
            "help_text", _("Au format prenom.nom suivi d'un chiffre, par exemple : camille.martin1")
        )
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        identifier = canonical_identifier(text) if text else ""
        if not identifier and self.required:  # only invisible characters were typed
            raise ValidationError(self.error_messages["required"], code="required")
        return identifier


def normalize_code(raw: str) -> str:
    """Full-width digits become ASCII (NFKC) and separators go: what a pasted SMS looks like."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))


class CodeField(forms.CharField):
    """The 6-digit code of an SMS, typed or pasted with spaces; a numeric keypad on phones."""

    default_error_messages = {
        "code_shape": _("Le code est composé de 6 chiffres, par exemple : 123456."),
        "required": _("Saisissez le code reçu par SMS."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Code reçu par SMS"))
        kwargs.setdefault("help_text", _("6 chiffres"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "autocomplete": "one-time-code",
                    "inputmode": "numeric",
                    "pattern": "[0-9 ]*",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        code = normalize_code(super().clean(value))
        if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
            raise ValidationError(self.error_messages["code_shape"], code="code_shape")
        return code
