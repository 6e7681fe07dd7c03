"""Asking again and again is slowed down: per identifier, phone, e-mail and address, with a
French 429 page; the address is the client's as the trusted proxies saw it (DESIGN §6)."""

from __future__ import annotations

import datetime as dt
import time
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core import ratelimits
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
    seen: list[str] = []
    real_reserve = ratelimits._reserve

    def spy(key: str, timeout: int) -> int:
        seen.append(key)
        return real_reserve(key, timeout)

    monkeypatch.setattr(ratelimits, "_reserve", spy)
    url = reverse("recovery:forgot_identifier")
    client.post(url, {"channel": "sms", "mobile": "06 12 34 56 78"})
    client.post(url, {"channel": "email", "email": "lea@exemple.fr"})
    assert len(seen) == 6
    in_clear = ("612345678", "lea@", "127.0.0.1")
    assert not any(part in value for part in in_clear for value in seen)


def test_a_window_opens_at_the_first_try_so_no_clock_boundary_splits_a_burst(
    client: Client,
) -> None:
    # RATE_LIMITS["forgot_password"]: 5 per 15 minutes per identifier. Windows aligned on the
    # clock would let a burst straddling a boundary through twice, and reset mid-test.
    start = dt.datetime(2026, 9, 1, 7, 59, 58, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _try in range(5):
            assert ask_reset(client, "camille.martin1").status_code == HTTPStatus.FOUND
            traveller.shift(dt.timedelta(seconds=1))
        for _minute in range(14):
            traveller.shift(dt.timedelta(minutes=1))
            assert ask_reset(client, "camille.martin1").status_code == (
                HTTPStatus.TOO_MANY_REQUESTS
            )


def test_a_window_closes_one_period_after_its_first_try(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    # Real time, so that Redis's own expiry is what is tested in the real-services run.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "forgot_password": "2/1s/key,100/h/ip"}
    statuses = [ask_reset(client, "camille.martin1").status_code for _try in range(3)]
    assert statuses == [HTTPStatus.FOUND, HTTPStatus.FOUND, HTTPStatus.TOO_MANY_REQUESTS]
    time.sleep(1.2)
    assert ask_reset(client, "camille.martin1").status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(
    ("period", "seconds"), [("s", 1), ("30s", 30), ("15m", 900), ("h", 3600), ("2d", 172800)]
)
def test_rate_periods_are_read_as_django_allauth_writes_them(period: str, seconds: int) -> None:
    assert ratelimits._period_seconds(period) == seconds


@pytest.mark.parametrize("period", ["", "15", "15w", "-1m", "1.5h", "²m", "m15"])
def test_an_unreadable_rate_period_is_refused(period: str) -> None:
    with pytest.raises(ValueError, match="period"):
        ratelimits._period_seconds(period)
