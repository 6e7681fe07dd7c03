"""UAI codes: seven digits and the check letter of the number modulo 23."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Establishment
from core.uai import CHECK_LETTERS, is_valid_uai, uai_check_letter, validate_uai

digits7 = st.integers(min_value=0, max_value=9_999_999).map(lambda n: f"{n:07d}")


def test_it_accepts_a_known_school() -> None:
    assert is_valid_uai("0750654D")


@given(digits7)
def test_the_computed_letter_is_valid_and_every_other_is_not(digits: str) -> None:
    assert is_valid_uai(digits + uai_check_letter(digits))
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if letter != uai_check_letter(digits):
            assert not is_valid_uai(digits + letter)


def test_letters_i_o_q_never_check() -> None:
    assert not set("IOQ") & set(CHECK_LETTERS)


@pytest.mark.parametrize("value", ["0750654d", "750654D", "07506540", "0750654DD", ""])
def test_it_refuses_malformed_codes(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_uai(value)


def test_the_database_refuses_a_malformed_uai(db: None) -> None:
    with pytest.raises(IntegrityError):
        Establishment.objects.create(uai="0750654", name="Sans lettre")
