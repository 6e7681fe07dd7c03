"""Twilio's delivery reports on PostgreSQL: signed callbacks only, never a step back."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notifications.models import Notification

pytestmark = pytest.mark.django_db

AUTH_TOKEN = "webhook-test-auth-token"
CALLBACK_URL = "https://portail.exemple.fr/webhooks/twilio/status/"
MESSAGE_SID = "SM" + "5f" * 16


@pytest.fixture(autouse=True)
def _twilio_settings(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_STATUS_CALLBACK_URL = CALLBACK_URL


@pytest.fixture
def sent_sms() -> Notification:
    return Notification.objects.create(
        channel=Notification.Channel.SMS,
        destination="+33612345678",
        template="password_reset_code",
        body="Portail des familles : votre code est ••••••.",
        status=Notification.Status.SENT,
        provider_message_id=MESSAGE_SID,
        attempts=1,
        sent_at=timezone.now(),
    )


def report(
    client: Client,
    status: str,
    *,
    sid: str = MESSAGE_SID,
    error_code: str = "",
    token: str = AUTH_TOKEN,
    signature: str | None = None,
    signed_status: str = "",
) -> HTTPStatus:
    """POST a status callback the way Twilio does, signed with ``token`` over the public URL.

    ``signed_status`` signs the callback as if it said another status (tampering in transit).
    """
    params = {
        "AccountSid": "AC" + "0" * 31 + "1",
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": "+33612345678",
        "From": "+33700000001",
        "ApiVersion": "2010-04-01",
    }
    if error_code:
        params["ErrorCode"] = error_code
    if signature is None:
        signed = {**params, "MessageStatus": signed_status, "SmsStatus": signed_status}
        signature = RequestValidator(token).compute_signature(
            CALLBACK_URL, signed if signed_status else params
        )
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post(reverse("notifications:twilio_status"), params, headers=headers)
    return HTTPStatus(response.status_code)


def test_it_marks_a_message_delivered(client: Client, sent_sms: Notification) -> None:
    assert report(client, "delivered") == HTTPStatus.NO_CONTENT

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.DELIVERED
    assert sent_sms.delivered_at is not None


def test_it_refuses_a_callback_signed_with_another_token(
    client: Client, sent_sms: Notification
) -> None:
    assert report(client, "delivered", token="not-our-token") == HTTPStatus.FORBIDDEN

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.SENT
    assert sent_sms.delivered_at is None


def test_it_refuses_a_callback_whose_parameters_were_changed_after_signing(
    client: Client, sent_sms: Notification
) -> None:
    assert report(client, "delivered", signed_status="failed") == HTTPStatus.FORBIDDEN

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.SENT


def test_it_refuses_an_unsigned_callback(client: Client, sent_sms: Notification) -> None:
    assert report(client, "delivered", signature="") == HTTPStatus.FORBIDDEN

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.SENT


def test_it_refuses_a_get(client: Client, sent_sms: Notification) -> None:
    response = client.get(reverse("notifications:twilio_status"))

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_late_sent_report_does_not_undo_delivered(client: Client, sent_sms: Notification) -> None:
    assert report(client, "delivered") == HTTPStatus.NO_CONTENT
    sent_sms.refresh_from_db()
    delivered_at = sent_sms.delivered_at

    assert report(client, "sent") == HTTPStatus.NO_CONTENT

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.DELIVERED
    assert sent_sms.delivered_at == delivered_at


def test_it_explains_in_french_why_a_message_was_not_delivered(
    client: Client, sent_sms: Notification
) -> None:
    assert report(client, "sent") == HTTPStatus.NO_CONTENT
    assert report(client, "undelivered", error_code="30005") == HTTPStatus.NO_CONTENT

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.UNDELIVERED
    assert sent_sms.last_error_code == "30005"
    assert "Numéro inconnu de l'opérateur" in sent_sms.last_error
    assert sent_sms.failed_at is not None
    assert sent_sms.delivered_at is None


def test_the_same_report_twice_changes_nothing_the_second_time(
    client: Client, sent_sms: Notification
) -> None:
    assert report(client, "delivered") == HTTPStatus.NO_CONTENT
    sent_sms.refresh_from_db()
    first = Notification.objects.filter(pk=sent_sms.pk).values().get()

    assert report(client, "delivered") == HTTPStatus.NO_CONTENT

    assert Notification.objects.filter(pk=sent_sms.pk).values().get() == first


def test_a_report_for_an_unknown_message_is_acknowledged_and_ignored(
    client: Client, sent_sms: Notification
) -> None:
    assert report(client, "delivered", sid="SM" + "00" * 16) == HTTPStatus.NO_CONTENT

    sent_sms.refresh_from_db()
    assert sent_sms.status == Notification.Status.SENT
