"""Breached and guessable passwords: the offline RockYou list and zxcvbn, reasons in French."""

from __future__ import annotations

import ast
import gzip
import inspect
from pathlib import Path

import pytest
import zxcvbn.feedback
from django.core.exceptions import ValidationError

from accounts import breached
from accounts.demo import (
    ADMIN_PASSWORD,
    PARENT_PASSWORD,
    STAFF_PASSWORD,
    STUDENT_PASSWORD,
    TEMPORARY_PASSWORD,
)
from accounts.management.commands.build_breached_passwords import breached_entries
from accounts.models import User
from accounts.passwords import (
    ZXCVBN_FEEDBACK_FR,
    GuessabilityValidator,
    french_feedback,
    validate_new_password,
)

# In RockYou, and long and mixed enough to pass every other rule: only the list stops it.
BREACHED_BUT_OTHERWISE_FINE = "always&4ever"


def person() -> User:
    return User(identifier="patrick.dupont1", first_name="Patrick", last_name="Dupont")


def refusal(password: str) -> dict[str, str]:
    try:
        validate_new_password(password, person())
    except ValidationError as error:
        return {e.code or "": " ".join(e.messages) for e in error.error_list}
    return {}


def test_it_refuses_a_password_known_from_a_breach_and_says_why_in_french() -> None:
    assert refusal(BREACHED_BUT_OTHERWISE_FINE) == {
        "password_breached": (
            "Ce mot de passe figure dans des listes de mots de passe volés lors de fuites de "
            "données : il serait essayé parmi les premiers. Choisissez-en un autre."
        )
    }


def test_it_compares_breached_passwords_whatever_their_case() -> None:
    assert "password_breached" in refusal(BREACHED_BUT_OTHERWISE_FINE.upper())
    assert "password_breached" in refusal("Liverpool123")


@pytest.mark.parametrize(
    "passphrase", ["Cheval-Agrafe-Batterie-7", "Mon vélo bleu dort au 3e étage"]
)
def test_it_accepts_a_strong_passphrase(passphrase: str) -> None:
    assert refusal(passphrase) == {}


@pytest.mark.parametrize(
    "password",
    [PARENT_PASSWORD, STUDENT_PASSWORD, TEMPORARY_PASSWORD, STAFF_PASSWORD, ADMIN_PASSWORD],
)
def test_the_demo_passwords_still_meet_the_policy(password: str) -> None:
    assert refusal(password) == {}


def test_it_refuses_a_guessable_password_with_zxcvbns_advice_in_french() -> None:
    message = refusal("Bonjour-Bonjour-1")["password_guessable"]
    assert message.startswith("Ce mot de passe serait trop vite deviné.")
    assert "Les répétitions comme « abcabcabc »" in message
    assert not any(english in message for english in ZXCVBN_FEEDBACK_FR)


def test_zxcvbn_knows_the_identifier_and_names_of_the_person() -> None:
    someone = User(identifier="kqzvbwpml.xt1", first_name="Kqzvbwpml", last_name="Xt")
    GuessabilityValidator().validate("Kqzvbwpml2026!")
    with pytest.raises(ValidationError):
        GuessabilityValidator().validate("Kqzvbwpml2026!", someone)


def zxcvbn_sentences() -> set[str]:
    """Every sentence zxcvbn's feedback can give: the arguments of its ``_()`` calls."""
    tree = ast.parse(inspect.getsource(zxcvbn.feedback))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    }


def test_every_sentence_of_zxcvbn_has_its_french_one_or_is_left_out() -> None:
    sentences = zxcvbn_sentences()
    assert len(sentences) > 20
    assert sentences <= set(ZXCVBN_FEEDBACK_FR)


def test_french_feedback_drops_what_it_cannot_translate() -> None:
    feedback = {
        "warning": "This is a top-10 common password.",
        "suggestions": ["No need for symbols, digits, or uppercase letters.", "Some new advice."],
    }
    assert french_feedback(feedback) == ["C'est l'un des 10 mots de passe les plus utilisés."]


def test_the_list_holds_at_least_the_100000_most_frequent_breached_passwords() -> None:
    passwords = breached.breached_passwords()
    assert len(passwords) >= 100_000
    assert {"123456", "password", "iloveyou", "liverpool123"} <= passwords


def test_the_list_is_read_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[Path] = []
    read_bytes = Path.read_bytes

    def counting_read(path: Path) -> bytes:
        reads.append(path)
        return read_bytes(path)

    breached.breached_passwords.cache_clear()
    monkeypatch.setattr(Path, "read_bytes", counting_read)
    for password in (BREACHED_BUT_OTHERWISE_FINE, "Cheval-Agrafe-Batterie-7", "Liverpool123"):
        refusal(password)
    assert reads == [breached.BREACHED_PASSWORDS_PATH]
    assert breached.breached_passwords.cache_info().misses == 1


def test_the_build_keeps_the_top_and_every_later_password_the_other_rules_let_through() -> None:
    rockyou = [b"123456\n", b"Password\n", b"password\n", b"princess\n", b"Tinkerbell123\n"]
    assert breached_entries(iter(rockyou), top=2) == ["123456", "password", "tinkerbell123"]


def test_the_shipped_file_starts_with_the_most_frequent_breached_passwords() -> None:
    with gzip.open(breached.BREACHED_PASSWORDS_PATH, "rt", encoding="utf-8") as shipped:
        first = [next(shipped).rstrip("\n") for _ in range(3)]
    assert first == ["123456", "12345", "123456789"]
