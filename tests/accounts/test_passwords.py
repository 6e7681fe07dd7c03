"""The password policy: length, classes, common passwords, personal information."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.passwords import policy_checklist, validate_new_password


def person() -> User:
    return User(identifier="marie-helene.lefevre1", first_name="Marie-Hélène", last_name="Lefèvre")


def codes(password: str) -> set[str]:
    try:
        validate_new_password(password, person())
    except ValidationError as error:
        return {e.code for e in error.error_list}
    return set()


def test_it_accepts_a_long_mixed_password() -> None:
    assert codes("Cartable-Bleu-2026") == set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Court-1!", "password_too_short"),
        ("cartablebleudeux", "password_too_simple"),
        ("CARTABLE-BLEU-DEUX", "password_too_simple"),
        ("Password1234", "password_too_common"),
        ("Lefevre-2026-xyz", "password_personal_information"),
        ("LEFÈVRE!!2026abc", "password_personal_information"),
        ("Helene-Cartable-9", "password_personal_information"),
        ("xx.marie-helene.lefevre1", "password_personal_information"),
    ],
)
def test_it_refuses_passwords_breaking_a_rule(password: str, code: str) -> None:
    assert code in codes(password)


def test_the_checklist_lists_every_rule_in_french() -> None:
    rules = policy_checklist()
    assert len(rules) == 6
    assert any("12 caractères" in rule for rule in rules)
