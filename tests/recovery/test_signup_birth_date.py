"""The children's birth-date field: what people type on a phone, and what it refuses."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from recovery.forms.signup import EARLIEST_BIRTH_YEAR, BirthDateField, parse_birth_date

TODAY = dt.date(2026, 11, 24)
MARCH_14 = dt.date(2012, 3, 14)


@pytest.mark.parametrize(
    "typed",
    [
        "14/03/2012",
        "14-03-2012",
        "14.03.2012",
        "14 03 2012",
        "14032012",
        " 14 / 3 / 2012 ",
        "１４/０３/２０１２",  # full-width digits
        "١٤/٠٣/٢٠١٢",  # Arabic-Indic digits
        "𝟏𝟒/𝟎𝟑/𝟐𝟎𝟏𝟐",  # mathematical digits
        "14\u00a003\u00a02012",
    ],
)
def test_it_accepts_the_ways_people_write_a_date(typed: str) -> None:
    assert parse_birth_date(typed, today=TODAY) == MARCH_14


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("31/02/2015", "n'existe pas"),
        ("00/00/0000", "n'existe pas"),
        ("29/02/2011", "n'existe pas"),
        ("25/11/2026", "futur"),
        ("01/01/2030", "futur"),
        ("01/01/1900", "1990"),
        ("31/12/1989", "1990"),
        ("14/03/12", "4 chiffres"),
        ("14/03/012", "4 chiffres"),
        ("2012-03-14", "jj/mm/aaaa"),
        ("14 mars 2012", "jj/mm/aaaa"),
        ("hier", "jj/mm/aaaa"),
        ("1403201", "jj/mm/aaaa"),
    ],
)
def test_it_refuses_impossible_or_ambiguous_dates_in_french(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_birth_date(typed, today=TODAY)
    assert message in caught.value.messages[0]


def test_today_is_accepted_and_tomorrow_is_not() -> None:
    assert parse_birth_date("24/11/2026", today=TODAY) == TODAY
    with pytest.raises(ValidationError):
        parse_birth_date("25/11/2026", today=TODAY)


def test_an_overlong_value_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        BirthDateField(required=False).clean("1" * 10_000)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_date_or_a_validation_error(typed: str) -> None:
    field = BirthDateField(required=False)
    try:
        value = field.clean(typed)
    except ValidationError as error:
        assert error.messages and all(message.strip() for message in error.messages)
    else:
        assert value is None or value.year >= EARLIEST_BIRTH_YEAR


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789/-. \u00a0０１２３４５６７８９", max_size=14),
)
def test_digit_and_separator_soup_never_breaks_the_field(typed: str) -> None:
    with contextlib.suppress(ValidationError):
        BirthDateField(required=False).clean(typed)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(EARLIEST_BIRTH_YEAR, 1, 1), max_value=TODAY),
    st.sampled_from(["/", "-", ".", " ", ""]),
)
def test_every_real_date_round_trips(date: dt.date, separator: str) -> None:
    typed = separator.join([f"{date.day:02d}", f"{date.month:02d}", f"{date.year:04d}"])
    assert parse_birth_date(typed, today=TODAY) == date


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(EARLIEST_BIRTH_YEAR - 1, 12, 31)))
def test_every_date_before_1990_is_refused(date: dt.date) -> None:
    typed = f"{date.day:02d}/{date.month:02d}/{date.year:04d}"
    with pytest.raises(ValidationError):
        parse_birth_date(typed, today=TODAY)
