"""French elision before names, and the canonical forms of typed identifiers and e-mails."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.text import canonical_email, canonical_identifier, de_prefix


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Inès", "d'"),
        ("Aminata", "d'"),
        ("Hugo", "d'"),
        ("Éloïse", "d'"),
        ("Yves", "d'"),
        ("Léa", "de "),
        ("Yanis", "de "),
        ("Noah", "de "),
    ],
)
def test_de_is_elided_before_a_vowel_sound(name: str, expected: str) -> None:
    assert de_prefix(name) == expected


@pytest.mark.parametrize("name", ["Inès", "Léa"])
def test_de_is_empty_outside_french(name: str) -> None:
    """English says "of {name}" itself: the helper's value must render as nothing."""
    with translation.override("en"):
        assert de_prefix(name) == ""


@pytest.mark.parametrize(
    "typed",
    [
        "claire.bernard1",
        "CLAIRE.BERNARD1",
        "claıre.bernard1",
        "cla\u0131re.bernard1",
        "ｃｌａｉｒｅ.ｂｅｒｎａｒｄ１",
        " claire.bernard1 ",
        "clai\u0301re.bernard1",
        "claire.bernard1\x00",
        "claire\u200b.bernard1",
    ],
)
def test_every_spelling_of_an_identifier_has_one_canonical_form(typed: str) -> None:
    assert canonical_identifier(typed) == "claire.bernard1"


def test_the_long_s_folds_like_the_s_it_stands_for() -> None:
    assert canonical_identifier("ſophie.dupont1") == canonical_identifier("sophie.dupont1")


def test_an_email_has_one_key_whatever_its_case() -> None:
    assert canonical_email(" Hugo.Dupont@Exemple.FR ") == canonical_email("hugo.dupont@exemple.fr")
