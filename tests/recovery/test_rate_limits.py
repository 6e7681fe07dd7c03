"""Asking again and again is slowed down: per identifier, phone, e-mail and address, with a
French 429 page; the address is the client's as the trusted proxies saw it (DESIGN §6)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from tests.recovery.conftest import text

pytestmark = pytest.mark.django_db


def ask_reset(client: Client, identifier: str, **extra: str):
    return client.post(
        reverse("recovery:forgot_password"),
        {"identifier": identifier, "channel": "sms"},
        **extra,
    )


def test_the_sixth_request_for_one_identifier_gets_a_french_429(client: Client) -> None:
    for _try in range(5):
        assert ask_reset(client, "camille.martin1").status_code == HTTPStatus.FOUND
    response = ask_reset(Client(REMOTE_ADDR="10.0.0.9"), "Camille.Martin1 ")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Trop de demandes" in text(response)
    assert "secrétariat" in text(response)
    assert ask_reset(client, "camille.martin2").status_code == HTTPStatus.FOUND


def test_one_address_is_limited_across_identifiers(client: Client) -> None:
    for number in range(20):
        assert ask_reset(client, f"eleve.numero{number}").status_code == HTTPStatus.FOUND
    assert ask_reset(client, "eleve.autre1").status_code == HTTPStatus.TOO_MANY_REQUESTS
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert ask_reset(other_address, "eleve.autre1").status_code == HTTPStatus.FOUND


def test_a_spoofed_forwarded_for_does_not_escape_the_limit(client: Client) -> None:
    for number in range(20):
        ask_reset(client, f"eleve.numero{number}", HTTP_X_FORWARDED_FOR=f"10.1.0.{number}")
    response = ask_reset(client, "eleve.autre1", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client: Client, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(20):
        ask_reset(client, f"eleve.numero{number}", HTTP_X_FORWARDED_FOR="203.0.113.7")
    blocked = ask_reset(client, "eleve.autre1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    other = ask_reset(client, "eleve.autre1", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == HTTPStatus.FOUND


def test_one_phone_number_is_limited(client: Client) -> None:
    url = reverse("recovery:forgot_identifier")
    for _try in range(3):
        response = client.post(url, {"channel": "sms", "mobile": "06 12 34 56 78"})
        assert response.status_code == HTTPStatus.FOUND
    response = client.post(url, {"channel": "sms", "mobile": "+33612345678"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_one_email_is_limited(client: Client) -> None:
    url = reverse("recovery:forgot_identifier")
    for _try in range(3):
        client.post(url, {"channel": "email", "email": "lea@exemple.fr"})
    response = client.post(url, {"channel": "email", "email": "LEA@exemple.fr"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_phones_and_emails_reach_the_limiter_only_hashed(client: Client, monkeypatch) -> None:
    from core import ratelimits

    seen: list[str] = []

    def spy(request, *, group, key, rate, increment):
        seen.append(key(group, request))
        return False

    monkeypatch.setattr(ratelimits, "is_ratelimited", spy)
    url = reverse("recovery:forgot_identifier")
    client.post(url, {"channel": "sms", "mobile": "06 12 34 56 78"})
    client.post(url, {"channel": "email", "email": "lea@exemple.fr"})
    assert len(seen) == 6
    assert not any("612345678" in value or "lea@" in value for value in seen)
