"""Identifiers: ``first.last`` + smallest free number, folded to lower-case ASCII."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.identifiers import (
    FALLBACK_STEM,
    identifier_stem,
    make_identifier,
    smallest_free_number,
)
from accounts.models import User
from accounts.services import user_create
from core.text import fold_name

STEM_SHAPE = re.compile(r"[a-z]+(-[a-z]+)*(\.[a-z]+(-[a-z]+)*)?")


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Patrick", "Dupont", "patrick.dupont"),
        ("Jean-Éric", "N'Diaye", "jean-eric.ndiaye"),
        ("Marie Hélène", "Le Gall", "marie-helene.le-gall"),
        ("Zoë", "Bœuf", "zoe.boeuf"),
        ("Ægir", "Strauß", "aegir.strauss"),
        ("  Léa  ", "DUPONT", "lea.dupont"),
        ("Anne--Sophie", "O’Connor", "anne-sophie.oconnor"),
        ("Иван", "Петров", FALLBACK_STEM),
        ("李", "Martin", "martin"),
        ("", "", FALLBACK_STEM),
    ],
)
def test_it_folds_names_into_a_stem(first: str, last: str, expected: str) -> None:
    assert identifier_stem(first, last) == expected


@given(st.text(max_size=300), st.text(max_size=300))
def test_every_stem_is_lowercase_ascii_with_hyphens_kept(first: str, last: str) -> None:
    stem = identifier_stem(first, last)
    assert stem == FALLBACK_STEM or STEM_SHAPE.fullmatch(stem)
    assert len(stem) <= 61


@given(st.text(max_size=100))
def test_folding_is_idempotent(name: str) -> None:
    assert fold_name(fold_name(name)) == fold_name(name)


@given(st.sets(st.integers(min_value=1, max_value=60), max_size=40))
def test_it_picks_the_smallest_number_not_taken(numbers: set[int]) -> None:
    taken = {f"lea.dupont{n}" for n in numbers} | {"lea.dupont-martin1", "lea.dupont01"}
    chosen = smallest_free_number("lea.dupont", taken)
    assert chosen not in numbers
    assert all(n in numbers for n in range(1, chosen))


def test_it_numbers_namesakes_in_order(db: None) -> None:
    first = user_create(kind="parent", first_name="Patrick", last_name="Dupont", password=None)
    second = user_create(kind="parent", first_name="Patrick", last_name="Dupont", password=None)
    assert (first.identifier, second.identifier) == ("patrick.dupont1", "patrick.dupont2")


def test_it_reuses_a_freed_number(db: None) -> None:
    for _ in range(3):
        user_create(kind="parent", first_name="Patrick", last_name="Dupont", password=None)
    User.objects.get(identifier="patrick.dupont2").delete()
    again = user_create(kind="parent", first_name="Patrick", last_name="DUPONT", password=None)
    assert again.identifier == "patrick.dupont2"


def test_it_retries_when_a_concurrent_creation_took_the_number(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulate the race: the first computed identifier is inserted by someone else first."""
    import accounts.services as services

    real = services._taken_identifiers
    calls = {"n": 0}

    def stale_view(stem: str) -> set[str]:
        calls["n"] += 1
        if calls["n"] == 1:
            User.objects.create(identifier=make_identifier(stem, 1), kind="parent")
            return set()
        return real(stem)

    monkeypatch.setattr(services, "_taken_identifiers", stale_view)
    user = user_create(kind="parent", first_name="Patrick", last_name="Dupont", password=None)
    assert user.identifier == "patrick.dupont2"
    assert calls["n"] == 2
