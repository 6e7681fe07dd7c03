"""A parent who lost their password gets a code by SMS at the number the school holds."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import user_email_set
from notifications.backends.sms import LocmemSmsBackend
from recovery.models import VerificationCode
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import (
    NEW_PASSWORD,
    ask_reset,
    last_code,
    post_code,
    post_new_password,
    text,
)

pytestmark = pytest.mark.django_db


def login(client: Client, identifier: str, password: str):
    return client.post(reverse("accounts:login"), {"identifier": identifier, "password": password})


def test_it_resets_the_password_with_the_code_from_the_sms(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        response = ask_reset(client, parent.identifier)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert LocmemSmsBackend.outbox[0].to == "+33612345678"
    page = client.get(reverse("recovery:forgot_password_sent"))
    html = text(page)
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html
    assert "Rien reçu dans 5 minutes" in html

    response = post_code(client, last_code())
    assert response["Location"] == reverse("recovery:forgot_password_new")
    page = client.get(reverse("recovery:forgot_password_new"))
    assert "Au moins 12 caractères" in text(page)
    with delivered():
        response = post_new_password(client)
    assert response["Location"] == reverse("recovery:forgot_password_done")
    assert client.get(response["Location"]).status_code == HTTPStatus.OK

    assert login(client, parent.identifier, NEW_PASSWORD).status_code == HTTPStatus.FOUND


def test_it_accepts_a_code_pasted_with_spaces_and_full_width_digits(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    code = last_code()
    full_width = " ".join(chr(0xFF10 + int(digit)) for digit in code)
    response = post_code(client, f"  {full_width} ")
    assert response["Location"] == reverse("recovery:forgot_password_new")


def test_after_the_reset_other_sessions_end_and_every_channel_is_told(
    client: Client, parent: User, delivered
) -> None:
    user_email_set(user=parent, email="patrick@exemple.fr", verified=True)
    parent.must_change_password = True
    parent.save(update_fields=["must_change_password"])
    elsewhere = Client()
    assert login(elsewhere, parent.identifier, DEMO_PASSWORD).status_code == HTTPStatus.FOUND

    with delivered():
        ask_reset(client, parent.identifier)
    post_code(client, last_code())
    with delivered():
        post_new_password(client)

    parent.refresh_from_db()
    assert parent.check_password(NEW_PASSWORD)
    assert not parent.must_change_password
    account_page = elsewhere.get(reverse("myaccount:account"))
    assert account_page.status_code == HTTPStatus.FOUND  # signed out: sent to the login page
    assert "modifié" in LocmemSmsBackend.outbox[-1].body
    assert [message.to for message in mail.outbox] == [["patrick@exemple.fr"]]
    assert "mot de passe" in mail.outbox[0].subject.lower()
    events = set(AuditEvent.objects.filter(subject=parent).values_list("event_type", flat=True))
    assert {"password_reset_requested", "password_reset"} <= events


def test_it_lifts_the_login_lock(client: Client, parent: User, delivered) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _try in range(10):
            login(client, parent.identifier, "Pas-Le-Bon-2026")
            traveller.shift(dt.timedelta(minutes=1))
        locked = login(client, parent.identifier, DEMO_PASSWORD)
        assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS

        with delivered():
            ask_reset(client, parent.identifier)
        post_code(client, last_code())
        post_new_password(client)
        assert login(client, parent.identifier, NEW_PASSWORD).status_code == HTTPStatus.FOUND


def test_it_refuses_an_expired_code(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    code = last_code()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30, seconds=1)):
        response = post_code(client, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce code a expiré" in text(response)


def test_the_whole_flow_expires_after_an_hour(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    code = last_code()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        response = post_code(client, code)
    assert response["Location"] == reverse("recovery:forgot_password")


def test_it_refuses_a_code_used_once_already(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    code = last_code()
    post_code(client, code)
    other = Client()
    ask_reset(other, parent.identifier)  # a second browser, within the cool-down: no new code
    response = post_code(other, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "déjà servi" in text(response)


def test_five_wrong_codes_kill_the_code(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for remaining in (4, 3, 2, 1):
        response = post_code(client, wrong)
        assert f"Essais restants : {remaining}" in text(response)
    response = post_code(client, wrong)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Trop d'essais" in text(response)
    assert VerificationCode.objects.get().attempts == 5

    ask_reset(client, parent.identifier)  # no new code within the cool-down
    response = post_code(client, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Code incorrect" in text(response)


def test_a_new_code_supersedes_the_old_one(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    first = last_code()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        with delivered():
            client.post(reverse("recovery:forgot_password_resend"))
        second = last_code()
        assert len(LocmemSmsBackend.outbox) == 2
        if first != second:  # one chance in a million that both codes are the same
            response = post_code(client, first)
            assert "un code plus récent l'a remplacé" in text(response)
        assert post_code(client, second)["Location"] == reverse("recovery:forgot_password_new")


def test_a_resend_waits_for_the_cool_down(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
        response = client.post(reverse("recovery:forgot_password_resend"), follow=True)
    assert "Patientez encore" in text(response)
    assert len(LocmemSmsBackend.outbox) == 1


def test_skipping_the_code_step_sends_back_to_the_start(client: Client, parent: User) -> None:
    response = post_new_password(client)
    assert response["Location"] == reverse("recovery:forgot_password")
    ask_reset(client, parent.identifier)
    response = post_new_password(client)  # the code was never given
    assert response["Location"] == reverse("recovery:forgot_password")
    parent.refresh_from_db()
    assert parent.check_password(DEMO_PASSWORD)


def test_a_code_proves_the_step_for_its_own_account_only(
    client: Client, parent: User, college, delivered
) -> None:
    from tests.conftest import make_guardian, make_parent_account

    other = make_parent_account(make_guardian(college, first_name="Anne", mobile="+33698765432"))
    with delivered():
        ask_reset(Client(), parent.identifier)
    code = last_code()
    ask_reset(client, other.identifier)
    response = post_code(client, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Code incorrect" in text(response)


def test_a_double_submit_of_the_code_and_of_the_password_is_harmless(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    code = last_code()
    assert post_code(client, code)["Location"] == reverse("recovery:forgot_password_new")
    assert post_code(client, code)["Location"] == reverse("recovery:forgot_password_new")
    with delivered():
        first = post_new_password(client)
        second = post_new_password(client)
    assert first["Location"] == second["Location"] == reverse("recovery:forgot_password_done")
    assert AuditEvent.objects.filter(event_type="password_reset").count() == 1


def test_an_unknown_identifier_gets_the_code_page_and_nothing_is_sent(
    client: Client, db, delivered
) -> None:
    with delivered():
        response = ask_reset(client, "personne.inconnue1")
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert client.get(response["Location"]).status_code == HTTPStatus.OK
    assert LocmemSmsBackend.outbox == []
    response = post_code(client, "123456")
    assert "Code incorrect" in text(response)


def test_a_parent_without_a_mobile_or_not_activated_gets_the_same_page(
    client: Client, parent: User, delivered
) -> None:
    parent.guardian_records.update(mobile="")
    with delivered():
        response = ask_reset(client, parent.identifier)
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    parent.guardian_records.update(mobile="+33612345678")
    parent.activated_at = None
    parent.save(update_fields=["activated_at"])
    with delivered():
        ask_reset(Client(), parent.identifier)
    assert LocmemSmsBackend.outbox == []
    assert VerificationCode.objects.count() == 0


def test_the_new_password_follows_the_policy(client: Client, parent: User, delivered) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    post_code(client, last_code())
    response = post_new_password(client, "court")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "au moins 12 caractères" in text(response)
    response = post_new_password(client, "Patrick-Dupont-2027")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    parent.refresh_from_db()
    assert parent.check_password(DEMO_PASSWORD)


def test_a_deactivated_account_gets_the_same_page_and_nothing(
    client: Client, parent: User, delivered
) -> None:
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    with delivered():
        response = ask_reset(client, parent.identifier)
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert LocmemSmsBackend.outbox == [] and mail.outbox == []
    assert VerificationCode.objects.count() == 0


def test_an_account_deactivated_after_the_code_cannot_finish(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        ask_reset(client, parent.identifier)
    post_code(client, last_code())
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    response = post_new_password(client)
    assert response["Location"] == reverse("recovery:forgot_password")
    parent.refresh_from_db()
    assert parent.check_password(DEMO_PASSWORD)
