"""What only PostgreSQL shows (issue 16, items 3 and 17): its ``UPPER`` folds ``ı`` and ``ſ``,
so a case-insensitive lookup reaches an account under another key, and a NUL in a query is a
database error.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from accounts.models import User
from accounts.services import user_create
from core.text import canonical_email, canonical_identifier
from notifications.models import Notification
from recovery.deliveries.identifier_reminder import accounts_for_email

pytestmark = pytest.mark.django_db

CALLBACK_URL = "https://portail.exemple.fr/webhooks/twilio/status/"


@pytest.fixture
def claire() -> User:
    return user_create(
        kind=User.Kind.PARENT,
        first_name="Claire",
        last_name="Bernard",
        password="Cartable-Bleu-2026",
        email="claire.bernard@gmail.com",
        email_verified=True,
    )


@pytest.mark.parametrize("typed", ["claire.bernard@gmaıl.com", "claıre.bernard@gmail.com"])
def test_postgres_folds_a_dotless_i_but_the_lookup_is_exact_on_the_stored_key(
    claire: User, typed: str
) -> None:
    # What the old lookup did: PostgreSQL's UPPER('ı') is 'I', so it found Claire …
    assert User.objects.filter(email__iexact=typed).exists()
    # … under a key the limits counted apart. The lookup now agrees with the key: no one.
    assert canonical_email(typed) != claire.email_key
    assert accounts_for_email(typed) == []
    assert accounts_for_email("Claire.Bernard@GMAIL.com") == [claire]


def test_an_identifier_with_a_dotless_i_is_its_canonical_identifier_everywhere(
    claire: User,
) -> None:
    typed = "claıre.bernard1"
    assert User.objects.filter(identifier__iexact=typed).exists()  # PostgreSQL agrees …
    assert canonical_identifier(typed) == claire.identifier  # … and so does the one key
    assert User.objects.get_by_natural_key(typed) == claire


def test_a_signed_callback_with_a_nul_in_its_sid_is_a_400_not_a_database_error(
    settings, client: Client
) -> None:
    settings.TWILIO_AUTH_TOKEN = "test-auth-token-0123456789abcdef"
    settings.TWILIO_STATUS_CALLBACK_URL = CALLBACK_URL
    Notification.objects.create(
        channel="sms", destination="+33612345678", template="welcome", body="…",
        status="sent", provider_message_id="SM" + "a" * 32,
    )  # fmt: skip
    for params in (
        {"MessageSid": "SM" + "a" * 31 + "\x00", "MessageStatus": "delivered"},
        {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed", "ErrorCode": "3\x00"},
    ):
        signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
            CALLBACK_URL, params
        )
        response = client.post(
            reverse("notifications:twilio_status"), params, HTTP_X_TWILIO_SIGNATURE=signature
        )
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    assert Notification.objects.get().last_error_code == "undelivered"
