"""The one password policy, used by every form that sets a password.

At least 12 characters, three of the four character classes, not a common password, and
nothing that contains the identifier, first name or last name. Each rule also gives the
sentence shown in the checklist next to the field.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.text import fold_name

MIN_PERSONAL_PART = 3


def character_classes(password: str) -> int:
    classes = [
        any(ch.islower() for ch in password),
        any(ch.isupper() for ch in password),
        any(ch.isdigit() for ch in password),
        any(not ch.isalnum() for ch in password),
    ]
    return sum(classes)


class MinimumLengthValidator:
    def __init__(self, min_length: int | None = None) -> None:
        self.min_length = min_length or settings.PASSWORD_MIN_LENGTH

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                ngettext(
                    "Le mot de passe doit contenir au moins %(min)d caractère.",
                    "Le mot de passe doit contenir au moins %(min)d caractères.",
                    self.min_length,
                )
                % {"min": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return _("Au moins %(min)d caractères.") % {"min": self.min_length}


class CharacterClassesValidator:
    required = 3

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.required:
            raise ValidationError(
                _(
                    "Le mot de passe doit mélanger au moins 3 types de caractères parmi : "
                    "minuscules, majuscules, chiffres, caractères spéciaux."
                ),
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Au moins 3 types parmi : minuscules, majuscules, chiffres, caractères spéciaux.")


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                _("Ce mot de passe est trop courant. Choisissez-en un autre."),
                code="password_too_common",
            ) from None

    def get_help_text(self) -> str:
        return _("Pas un mot de passe courant.")


def _personal_parts(user: Any) -> list[str]:
    parts: list[str] = []
    for attribute in ("identifier", "first_name", "last_name"):
        value = getattr(user, attribute, "") or ""
        for piece in fold_name(value.replace(".", " ")).split("-") + [fold_name(value)]:
            if len(piece) >= MIN_PERSONAL_PART:
                parts.append(piece)
    return parts


class PersonalInformationValidator:
    """Refuse a password containing the identifier or a name, compared accent-insensitively."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None:
            return
        folded = fold_name(password.replace(".", "-"))
        squashed = folded.replace("-", "")
        for part in _personal_parts(user):
            if part in folded or part.replace("-", "") in squashed:
                raise ValidationError(
                    _(
                        "Le mot de passe ne doit contenir ni votre identifiant, ni votre nom, "
                        "ni votre prénom."
                    ),
                    code="password_personal_information",
                )

    def get_help_text(self) -> str:
        return _("Ni votre identifiant, ni votre nom, ni votre prénom.")


def validate_new_password(password: str, user: Any) -> None:
    """Run the whole policy; raises ValidationError with every broken rule."""
    password_validation.validate_password(password, user)


def policy_checklist() -> list[str]:
    return list(password_validation.password_validators_help_texts())
