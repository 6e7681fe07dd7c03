"""Wrong passwords slow the next try down, then lock for 15 minutes; the words are the same
whether or not the account exists, and the right password waits like the others."""

from __future__ import annotations

import datetime as dt
import html
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from core.ratelimits import IDENTIFIER_POLICY, login_throttle_clear
from tests.conftest import DEMO_PASSWORD
from tests.helpers import comparable_page

pytestmark = pytest.mark.django_db

WRONG = "Pas-Le-Bon-2026"


def post_login(client: Client, identifier: str, password: str):
    return client.post(reverse("accounts:login"), {"identifier": identifier, "password": password})


def test_the_delay_grows_after_three_failures(client: Client, parent: User) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _try in range(3):
            assert (
                post_login(client, parent.identifier, WRONG).status_code == HTTPStatus.BAD_REQUEST
            )
        early = post_login(client, parent.identifier, DEMO_PASSWORD)
        assert early.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Patientez 2 secondes" in html.unescape(early.content.decode())
        traveller.shift(dt.timedelta(seconds=2))
        assert post_login(client, parent.identifier, WRONG).status_code == HTTPStatus.BAD_REQUEST
        traveller.shift(dt.timedelta(seconds=2))
        assert post_login(client, parent.identifier, DEMO_PASSWORD).status_code == (
            HTTPStatus.TOO_MANY_REQUESTS
        )
        traveller.shift(dt.timedelta(seconds=2))
        assert post_login(client, parent.identifier, DEMO_PASSWORD).status_code == HTTPStatus.FOUND


def _fail_until_locked(client: Client, identifier: str, traveller) -> None:
    for _try in range(IDENTIFIER_POLICY.lock_after):
        traveller.shift(dt.timedelta(seconds=IDENTIFIER_POLICY.max_delay))
        post_login(client, identifier, WRONG)


def test_ten_failures_lock_for_fifteen_minutes_even_with_the_right_password(
    client: Client, parent: User
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _fail_until_locked(client, parent.identifier, traveller)
        locked = post_login(client, parent.identifier, DEMO_PASSWORD)
        assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "bloquée pendant 15 minutes" in html.unescape(locked.content.decode())
        assert AuditEvent.objects.filter(subject=parent, event_type="login_locked").exists()
        traveller.shift(dt.timedelta(minutes=14))
        assert post_login(client, parent.identifier, DEMO_PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=1, seconds=1))
        assert post_login(client, parent.identifier, DEMO_PASSWORD).status_code == HTTPStatus.FOUND


def test_a_lock_looks_the_same_for_an_unknown_identifier(client: Client, parent: User) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _fail_until_locked(client, parent.identifier, traveller)
        _fail_until_locked(Client(REMOTE_ADDR="10.0.0.2"), "personne.inconnue1", traveller)
        known = post_login(client, parent.identifier, DEMO_PASSWORD)
        unknown = post_login(Client(REMOTE_ADDR="10.0.0.2"), "personne.inconnue1", DEMO_PASSWORD)
    assert known.status_code == unknown.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert comparable_page(known.content.decode()).replace(
        parent.identifier, "X"
    ) == comparable_page(unknown.content.decode()).replace("personne.inconnue1", "X")


def test_one_address_trying_many_identifiers_is_slowed_too(client: Client, parent: User) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        for number in range(20):
            post_login(client, f"eleve.numero{number}", WRONG)
        response = post_login(client, parent.identifier, DEMO_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    other = post_login(Client(REMOTE_ADDR="10.0.0.3"), parent.identifier, DEMO_PASSWORD)
    assert other.status_code == HTTPStatus.FOUND


def test_a_success_or_a_reset_clears_the_count(client: Client, parent: User) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        _fail_until_locked(client, parent.identifier, traveller)
        login_throttle_clear(identifier=parent.identifier)
        assert post_login(client, parent.identifier, DEMO_PASSWORD).status_code == HTTPStatus.FOUND
