"""A number the school corrects takes over at once: the code sent to the old number dies, and
a new request in the same minute reaches the new number."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.demo import seed_demo
from accounts.models import AuditEvent, Guardian, User
from notifications.backends.sms import LocmemSmsBackend
from recovery.models import VerificationCode
from tests.recovery.conftest import ask_reset, post_code, text

pytestmark = pytest.mark.django_db

OLD_MOBILE = "+33611223344"  # Marie-Hélène Lefèvre's number in the demo roster
NEW_MOBILE = "+33781234567"


def correct_mobile(secretary: Client, guardian: Guardian, mobile: str, delivered) -> None:  # type: ignore[no-untyped-def]
    with delivered():
        response = secretary.post(
            reverse("admin:accounts_guardian_change", args=[guardian.pk]),
            {
                "mobile": mobile,
                "email": guardian.email,
                "accepts_sms": "on",
                "guardianships-TOTAL_FORMS": "0",
                "guardianships-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == HTTPStatus.FOUND


def code_sent_to(mobile: str) -> str:
    bodies = [sms.body for sms in LocmemSmsBackend.outbox if sms.to == mobile]
    match = re.search(r"\b(\d{6})\b", bodies[-1])
    assert match
    return match.group(1)


def test_the_old_numbers_code_dies_and_the_new_number_gets_one_the_same_minute(
    delivered,
) -> None:  # type: ignore[no-untyped-def]
    seed_demo()
    guardian = Guardian.objects.get(external_id="R005")
    parent: User = guardian.account  # type: ignore[assignment]
    family = Client()
    with delivered():
        ask_reset(family, parent.identifier)
    old_code = code_sent_to(OLD_MOBILE)

    secretary = Client()
    secretary.force_login(User.objects.get(identifier="claire.bernard1"))
    correct_mobile(secretary, guardian, "07 81 23 45 67", delivered)

    refused = post_code(family, old_code)
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert "déjà servi" in text(refused) or "remplacé" in text(refused)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.CONTACT_CHANGED)
    assert event.details["codes_killed"] == 1

    counter = Client()  # at the school's counter, in the same minute
    with delivered():
        ask_reset(counter, parent.identifier)
    new_code = code_sent_to(NEW_MOBILE)
    assert post_code(counter, new_code)["Location"] == reverse("recovery:forgot_password_new")
    assert not VerificationCode.objects.filter(destination=OLD_MOBILE, consumed_at=None).exists()


def test_a_correction_that_keeps_the_number_kills_nothing(delivered) -> None:  # type: ignore[no-untyped-def]
    seed_demo()
    guardian = Guardian.objects.get(external_id="R005")
    family = Client()
    with delivered():
        ask_reset(family, guardian.account.identifier)  # type: ignore[union-attr]
    secretary = Client()
    secretary.force_login(User.objects.get(identifier="claire.bernard1"))
    correct_mobile(secretary, guardian, "06 11 22 33 44", delivered)  # the same, spelt otherwise
    assert post_code(family, code_sent_to(OLD_MOBILE))["Location"] == reverse(
        "recovery:forgot_password_new"
    )
