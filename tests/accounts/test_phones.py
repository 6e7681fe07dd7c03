"""Mobile numbers: national forms of metropolitan and overseas France, E.164, masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.phones import InvalidPhoneNumber, mask_phone, normalize_mobile


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+33 7 81 23 45 67", "+33781234567"),
        ("0692 12 34 56", "+262692123456"),  # Réunion: invalid as FR
        ("0639 01 23 45", "+262639012345"),  # Mayotte shares +262
        ("0690 00 12 34", "+590690001234"),  # Guadeloupe
        ("0694 20 12 34", "+594694201234"),  # Guyane
        ("0696 20 12 34", "+596696201234"),  # Martinique
        ("+262 692 12 34 56", "+262692123456"),
        ("+687 75 12 34", "+687751234"),  # Nouvelle-Calédonie
        ("+689 87 12 34 56", "+68987123456"),  # Polynésie
        ("+32 470 12 34 56", "+32470123456"),  # a parent living abroad
    ],
)
def test_it_normalises_mobiles_to_e164(typed: str, e164: str) -> None:
    assert normalize_mobile(typed) == e164


@pytest.mark.parametrize(
    "typed",
    ["01 23 45 67 89", "06 12 34", "abc", "", "+33 6", "0" * 41, "06 12 34 56 78 90 12"],
)
def test_it_refuses_what_is_not_a_mobile(typed: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_mobile(typed)


@given(st.text(max_size=60))
def test_any_text_is_either_a_mobile_or_refused_cleanly(text: str) -> None:
    try:
        result = normalize_mobile(text)
    except InvalidPhoneNumber:
        return
    assert result.startswith("+") and result[1:].isdigit()
    assert normalize_mobile(result) == result


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+33612345642", "06 •• •• •• 42"),
        ("+262692123456", "0692 •• •• 56"),
        ("+687751234", "75.••.34"),
    ],
)
def test_it_masks_all_but_the_prefix_and_last_two_digits(e164: str, masked: str) -> None:
    assert mask_phone(e164) == masked
