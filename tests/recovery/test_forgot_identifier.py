"""Someone who lost their identifier gets it by SMS (parents) or by e-mail (verified)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, User
from notifications.backends.sms import LocmemSmsBackend
from tests.conftest import make_guardian, make_parent_account
from tests.recovery.conftest import STUDENT_EMAIL, text

pytestmark = pytest.mark.django_db


def ask(client: Client, channel: str, value: str):
    field = "mobile" if channel == "sms" else "email"
    return client.post(reverse("recovery:forgot_identifier"), {"channel": channel, field: value})


def test_the_page_offers_sms_and_email(client: Client) -> None:
    page = client.get(reverse("recovery:forgot_identifier"))
    assert page.status_code == HTTPStatus.OK
    assert "Par SMS" in text(page) and "Par e-mail" in text(page)


def test_a_parent_gets_their_identifier_by_sms_at_the_school_number(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        response = ask(client, "sms", "06 12 34 56 78")
    assert response["Location"] == reverse("recovery:forgot_identifier_sent")
    assert LocmemSmsBackend.outbox[0].to == "+33612345678"
    assert parent.identifier in LocmemSmsBackend.outbox[0].body
    assert AuditEvent.objects.filter(subject=parent, event_type="identifier_reminder_sent").exists()
    assert "Rien reçu dans 5 minutes" in text(client.get(response["Location"]))


def test_the_sms_reminder_says_where_to_log_in(
    client: Client, parent: User, delivered, settings
) -> None:
    settings.SITE_URL = "https://portail.exemple.fr"
    with delivered():
        ask(client, "sms", "06 12 34 56 78")
    assert LocmemSmsBackend.outbox[0].body.endswith(
        "https://portail.exemple.fr" + reverse("accounts:login")
    )


def test_every_activated_account_on_that_number_is_reminded(
    client: Client, parent: User, lycee, delivered
) -> None:
    second = make_parent_account(make_guardian(lycee, first_name="Anne"))
    not_activated = make_parent_account(make_guardian(lycee, first_name="Zoé"))
    not_activated.activated_at = None
    not_activated.save(update_fields=["activated_at"])
    with delivered():
        ask(client, "sms", "+33612345678")
    bodies = " ".join(sms.body for sms in LocmemSmsBackend.outbox)
    assert parent.identifier in bodies and second.identifier in bodies
    assert not_activated.identifier not in bodies


def test_a_student_gets_their_identifier_at_the_verified_email(
    client: Client, student: User, delivered
) -> None:
    with delivered():
        response = ask(client, "email", STUDENT_EMAIL.upper())
    assert response["Location"] == reverse("recovery:forgot_identifier_sent")
    assert mail.outbox[0].to == [STUDENT_EMAIL]
    assert student.identifier in mail.outbox[0].body
    assert "Pour vous connecter : http://" in mail.outbox[0].body  # and where to log in


def test_an_unverified_email_gets_nothing_and_the_same_page(
    client: Client, student: User, delivered
) -> None:
    student.email_verified_at = None
    student.save(update_fields=["email_verified_at"])
    with delivered():
        response = ask(client, "email", STUDENT_EMAIL)
    assert response["Location"] == reverse("recovery:forgot_identifier_sent")
    assert mail.outbox == []


def test_an_unknown_number_gets_nothing_and_the_same_page(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        response = ask(client, "sms", "06 98 76 54 32")
    assert response["Location"] == reverse("recovery:forgot_identifier_sent")
    assert LocmemSmsBackend.outbox == []


def test_a_malformed_number_is_explained_in_french(client: Client, db) -> None:
    response = ask(client, "sms", "12")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce numéro de mobile n'est pas valide" in text(response)


def test_the_sent_page_needs_a_request_first(client: Client, db) -> None:
    response = client.get(reverse("recovery:forgot_identifier_sent"))
    assert response["Location"] == reverse("recovery:forgot_identifier")


def test_the_sent_page_speaks_of_the_identifier_not_of_a_code(client: Client, parent: User) -> None:
    page = text(client.get(ask(client, "sms", "06 12 34 56 78")["Location"]))
    help_text = page.split("Rien reçu dans 5 minutes ?")[1].split("</ul>")[0]
    assert "code" not in help_text
    assert "L'identifiant est envoyé au numéro de mobile que l'établissement a enregistré" in page
    assert "Seul le dernier envoi fonctionne" not in page
