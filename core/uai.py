"""UAI (Unité administrative immatriculée): the national identifier of a school.

Seven digits and a check letter: the seven-digit number modulo 23 indexes
``ABCDEFGHJKLMNPRSTUVWXYZ`` (I, O and Q are never used), e.g. ``0750654D``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_SHAPE = re.compile(r"[0-9]{7}[A-Z]")


def uai_check_letter(digits: str) -> str:
    return CHECK_LETTERS[int(digits) % 23]


def normalize_uai(value: str) -> str:
    return value.strip().upper()


def is_valid_uai(value: str) -> bool:
    return bool(_SHAPE.fullmatch(value)) and value[7] == uai_check_letter(value[:7])


def validate_uai(value: str) -> None:
    if not is_valid_uai(value):
        raise ValidationError(
            _("Code UAI invalide : 7 chiffres suivis de la lettre de contrôle (ex. 0750654D)."),
            code="invalid_uai",
        )
