"""Twilio delivery reports: signed, never backwards, idempotent (unit level, SQLite)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from notifications.models import Notification

pytestmark = pytest.mark.django_db

TOKEN = "test-auth-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _twilio(settings) -> None:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_STATUS_CALLBACK_URL = "https://portail.exemple.fr/webhooks/twilio/status/"


@pytest.fixture
def sent() -> Notification:
    return Notification.objects.create(
        channel="sms",
        destination="+33612345678",
        template="password_reset_code",
        body="…",
        status=Notification.Status.SENT,
        provider_message_id="SM" + "a" * 32,
        attempts=1,
    )


def callback(client: Client, status: str, *, signature: str | None = None, **extra: str):
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": status, **extra}
    if signature is None:
        signature = RequestValidator(TOKEN).compute_signature(
            "https://portail.exemple.fr/webhooks/twilio/status/", params
        )
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(reverse("notifications:twilio_status"), params, **headers)


def test_a_signed_delivery_report_marks_the_message_delivered(
    client: Client, sent: Notification
) -> None:
    assert callback(client, "delivered").status_code == HTTPStatus.NO_CONTENT
    sent.refresh_from_db()
    assert sent.status == Notification.Status.DELIVERED
    assert sent.delivered_at is not None


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSByaWdodCBzaWduYXR1cmU="])
def test_an_unsigned_or_forged_report_is_refused(
    client: Client, sent: Notification, signature: str
) -> None:
    assert callback(client, "failed", signature=signature).status_code == HTTPStatus.FORBIDDEN
    sent.refresh_from_db()
    assert sent.status == Notification.Status.SENT


def test_a_late_report_never_moves_the_status_back(client: Client, sent: Notification) -> None:
    callback(client, "delivered")
    callback(client, "sent")
    callback(client, "queued")
    sent.refresh_from_db()
    assert sent.status == Notification.Status.DELIVERED


def test_an_undelivered_report_carries_the_french_reason(
    client: Client, sent: Notification
) -> None:
    callback(client, "undelivered", ErrorCode="30005")
    callback(client, "undelivered", ErrorCode="30005")
    sent.refresh_from_db()
    assert sent.status == Notification.Status.UNDELIVERED
    assert sent.last_error_code == "30005"
    assert "plus attribué" in sent.last_error


def test_a_report_for_an_unknown_message_changes_nothing(client: Client) -> None:
    assert callback(client, "delivered").status_code == HTTPStatus.NO_CONTENT
    assert Notification.objects.count() == 0


def test_the_webhook_refuses_get(client: Client) -> None:
    response = client.get(reverse("notifications:twilio_status"))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


@pytest.mark.parametrize(
    "sid", ["SM" + "a" * 31 + "\x00", "\x00", "SM" + "a" * 32 + "\x00", "x" * 5000, ""]
)
def test_a_signed_report_whose_sid_is_not_a_message_id_is_a_400_not_a_500(
    client: Client, sent: Notification, sid: str
) -> None:
    params = {"MessageSid": sid, "MessageStatus": "delivered"}
    signature = RequestValidator(TOKEN).compute_signature(
        "https://portail.exemple.fr/webhooks/twilio/status/", params
    )
    response = client.post(
        reverse("notifications:twilio_status"), params, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    sent.refresh_from_db()
    assert sent.status == Notification.Status.SENT


def test_an_error_code_that_is_not_a_number_is_dropped(client: Client, sent: Notification) -> None:
    assert callback(client, "failed", ErrorCode="30003\x00").status_code == HTTPStatus.NO_CONTENT
    sent.refresh_from_db()
    assert sent.status == Notification.Status.FAILED
    assert sent.last_error_code == "undelivered"
