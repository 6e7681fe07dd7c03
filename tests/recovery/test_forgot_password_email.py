"""A student who lost their password gets a single-use link at their verified e-mail."""

from __future__ import annotations

import datetime as dt
import re
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
from tests.recovery.conftest import (
    NEW_PASSWORD,
    STUDENT_EMAIL,
    ask_reset,
    last_link,
    post_new_password,
    text,
)

pytestmark = pytest.mark.django_db


def test_it_resets_the_password_from_the_link_in_the_email(
    client: Client, student: User, delivered
) -> None:
    with delivered():
        response = ask_reset(client, student.identifier, channel="email")
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert "Vérifiez votre messagerie" in text(client.get(response["Location"]))
    assert mail.outbox[0].to == [STUDENT_EMAIL]
    link = last_link()

    browser = Client()  # the link is often opened in another browser, the mail app's
    response = browser.get(link.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("recovery:forgot_password_new")  # token-free URL
    page = browser.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert 'autocomplete="new-password"' in text(page)
    with delivered():
        response = post_new_password(browser)
    assert response["Location"] == reverse("recovery:forgot_password_done")
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)
    assert "modifié" in mail.outbox[-1].subject
    login = browser.post(
        reverse("accounts:login"), {"identifier": student.identifier, "password": NEW_PASSWORD}
    )
    assert login.status_code == HTTPStatus.FOUND


def _open(client: Client, link: str):
    client.get(link.removeprefix("http://127.0.0.1:8000"))
    return client.get(reverse("recovery:forgot_password_new"))


def test_a_link_works_once(client: Client, student: User, delivered) -> None:
    with delivered():
        ask_reset(client, student.identifier, channel="email")
    link = last_link()
    _open(client, link)
    post_new_password(client)
    response = _open(Client(), link)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce lien ne fonctionne plus" in text(response)


def test_an_expired_link_is_refused(client: Client, student: User, delivered) -> None:
    with delivered():
        ask_reset(client, student.identifier, channel="email")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = _open(client, last_link())
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_newer_link_replaces_the_older(client: Client, student: User, delivered) -> None:
    with delivered():
        ask_reset(client, student.identifier, channel="email")
    first = last_link()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        with delivered():
            ask_reset(client, student.identifier, channel="email")
        assert len(mail.outbox) == 2
        assert _open(Client(), first).status_code == HTTPStatus.BAD_REQUEST
        assert _open(Client(), last_link()).status_code == HTTPStatus.OK


def test_a_made_up_link_is_refused(client: Client, db) -> None:
    response = _open(client, reverse("recovery:forgot_password_link", args=["x" * 43]))
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_an_unverified_email_gets_the_same_page_and_no_link(
    client: Client, student: User, delivered
) -> None:
    student.email_verified_at = None
    student.save(update_fields=["email_verified_at"])
    with delivered():
        response = ask_reset(client, student.identifier, channel="email")
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert mail.outbox == [] and LocmemSmsBackend.outbox == []
    assert VerificationCode.objects.count() == 0


def test_a_student_who_asks_by_sms_is_told_by_email_what_to_do(
    client: Client, student: User, delivered
) -> None:
    with delivered():
        response = ask_reset(client, student.identifier, channel="sms")
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert LocmemSmsBackend.outbox == []
    assert VerificationCode.objects.count() == 0
    assert mail.outbox[0].to == [STUDENT_EMAIL]
    assert "aucun numéro de mobile" in mail.outbox[0].body
    assert "Par e-mail" in mail.outbox[0].body


def test_a_parent_without_a_verified_email_is_told_by_sms_what_to_do(
    client: Client, parent: User, delivered
) -> None:
    user_email_set(user=parent, email="patrick@exemple.fr", verified=False)  # never verified
    with delivered():
        response = ask_reset(client, parent.identifier, channel="email")
    assert response["Location"] == reverse("recovery:forgot_password_sent")
    assert mail.outbox == []
    assert VerificationCode.objects.count() == 0
    assert LocmemSmsBackend.outbox[0].to == "+33612345678"
    assert "aucun e-mail vérifié" in LocmemSmsBackend.outbox[0].body


def _email_link_of(kind: str) -> str:
    """The path of the last e-mailed link whose path starts with ``kind``."""
    match = re.search(rf"https?://[^/\s]+({kind}\S+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_a_new_address_verified_in_mon_compte_kills_the_link_sent_to_the_old_one(
    client: Client, student: User, delivered
) -> None:
    with delivered():
        ask_reset(client, student.identifier, channel="email")
    old_link = last_link()

    owner = Client()
    owner.post(
        reverse("accounts:login"),
        {"identifier": student.identifier, "password": "Cahier-Rouge-2026"},
    )
    with delivered():
        owner.post(reverse("myaccount:change_email"), {"email": "lea.nouvelle@exemple.fr"})
    owner.get(_email_link_of("/mon-compte/e-mail/verifier/"))
    with delivered():
        assert owner.post(reverse("myaccount:verify_email")).status_code == HTTPStatus.FOUND

    response = _open(Client(), old_link)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce lien ne fonctionne plus" in text(response)
    event = AuditEvent.objects.get(subject=student, event_type=AuditEvent.Type.EMAIL_VERIFIED)
    assert event.details["codes_killed"] == 1


def test_an_address_a_superuser_replaces_in_the_console_kills_the_link_sent_to_the_old_one(
    client: Client, student: User, delivered
) -> None:
    with delivered():
        ask_reset(client, student.identifier, channel="email")
    old_link = last_link()

    academie = User.objects.create_superuser("admin.academie1", "Rectorat-Bleu-2026")
    console = Client()
    console.force_login(academie)
    verified_at = timezone.localtime(student.email_verified_at)
    joined_at = timezone.localtime(student.date_joined)
    activated_at = timezone.localtime(student.activated_at)
    response = console.post(
        reverse("admin:accounts_user_change", args=[student.pk]),
        {
            "identifier": student.identifier,
            "kind": student.kind,
            "first_name": student.first_name,
            "last_name": student.last_name,
            "email": "lea.nouvelle@exemple.fr",
            "email_verified_at_0": verified_at.strftime("%d/%m/%Y"),
            "email_verified_at_1": verified_at.strftime("%H:%M:%S"),
            "is_active": "on",
            "activated_at_0": activated_at.strftime("%d/%m/%Y"),
            "activated_at_1": activated_at.strftime("%H:%M:%S"),
            "date_joined_0": joined_at.strftime("%d/%m/%Y"),
            "date_joined_1": joined_at.strftime("%H:%M:%S"),
            "student": student.student_id,
        },
    )
    assert response.status_code == HTTPStatus.FOUND, text(response)[:3000]
    student.refresh_from_db()
    assert student.email == "lea.nouvelle@exemple.fr" and student.has_verified_email

    response = _open(Client(), old_link)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce lien ne fonctionne plus" in text(response)
    event = AuditEvent.objects.get(subject=student, event_type=AuditEvent.Type.CONTACT_CHANGED)
    assert event.actor == academie
    assert event.details["email_changed"] and event.details["codes_killed"] == 1
