"""Guessing codes and passwords does not pay, from one address or from many (DESIGN §4).

A code is 6 digits: one guess wins with probability 1/10⁶. What bounds an attacker is how many
guesses the server *checks*: 5 per code (then the code is dead), 3 codes an hour per account or
number, and per address 30 checked codes an hour. Each test makes every guess wrong (so it is
deterministic), counts the guesses the server checked, and asserts that count against the
bound; the attacker's chance of success is that count / 10⁶.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Establishment, User
from core.ratelimits import IDENTIFIER_POLICY, IP_POLICY, LOCK_SECONDS
from recovery import codes
from recovery.models import VerificationCode
from tests.attacks.conftest import WRONG_PASSWORD, make_parents
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import last_code
from tests.recovery.signup_support import NADIA_MOBILE, Family

pytestmark = pytest.mark.django_db

ACCOUNTS = 30
FIRST = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}


def text(response) -> str:
    return html.unescape(response.content.decode())


def assert_french_429(response) -> None:
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Trop de demandes" in text(response) or "Trop d'essais" in text(response)


def wrong(code: str, shift: int) -> str:
    """A code that is surely not ``code``: the attacker's guesses, made deterministic."""
    return f"{(int(code) + shift) % 10**6:06d}"


def checked_guesses(**filters: object) -> int:
    """Guesses checked against a code while it could still be used: a code takes no more than
    MAX_ATTEMPTS (later wrong tries are counted on it but can never redeem it)."""
    rows = VerificationCode.objects.filter(**filters).values_list("attempts", flat=True)
    return sum(min(attempts, codes.MAX_ATTEMPTS) for attempts in rows)


def ask_reset(client: Client, identifier: str, **extra: str):
    return client.post(
        reverse("recovery:forgot_password"), {"identifier": identifier, "channel": "sms"}, **extra
    )


def post_reset_code(client: Client, code: str, **extra: str):
    return client.post(reverse("recovery:forgot_password_sent"), {"code": code}, **extra)


@pytest.fixture
def accounts(college: Establishment) -> list[User]:
    return [guardian.account for guardian in make_parents(college, ACCOUNTS, with_account=True)]


# --- Lost password codes ------------------------------------------------------------------


def test_one_address_gets_twenty_codes_and_thirty_checked_guesses_an_hour(
    accounts: list[User], delivered
) -> None:
    started = limited_starts = limited_guesses = 0
    for user in accounts:
        client = Client()
        with delivered():
            response = ask_reset(client, user.identifier)
        if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
            assert_french_429(response)
            limited_starts += 1
            continue
        started += 1
        code = last_code()
        for shift in range(1, codes.MAX_ATTEMPTS):
            response = post_reset_code(client, wrong(code, shift))
            if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
                assert_french_429(response)
                limited_guesses += 1
            else:
                assert response.status_code == HTTPStatus.BAD_REQUEST
    assert started == 20 and limited_starts == ACCOUNTS - 20
    assert checked_guesses() == 30  # then every guess from this address is refused unchecked
    assert limited_guesses == 20 * (codes.MAX_ATTEMPTS - 1) - 30
    assert not User.objects.filter(pk__in=[u.pk for u in accounts], last_login__isnull=False)


def test_five_wrong_guesses_from_five_addresses_kill_the_code(
    accounts: list[User], behind_proxy: Callable[[str], Client], delivered
) -> None:
    client = behind_proxy("198.51.100.1")
    with delivered():
        ask_reset(client, accounts[0].identifier)
    code = last_code()
    for shift in range(1, codes.MAX_ATTEMPTS + 1):
        response = post_reset_code(
            client, wrong(code, shift), HTTP_X_FORWARDED_FOR=f"203.0.113.{shift}"
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ne fonctionne plus" in text(response)
    right = post_reset_code(client, code, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert right["Location"] == reverse("recovery:forgot_password")  # start again, no password
    assert checked_guesses(user=accounts[0]) == codes.MAX_ATTEMPTS


def test_many_addresses_against_many_accounts_get_five_guesses_per_code_and_three_codes_an_hour(
    accounts: list[User], behind_proxy: Callable[[str], Client], delivered, monkeypatch
) -> None:
    monkeypatch.setattr(codes, "new_code", lambda: "123456")  # so guesses 000001… are wrong
    targets = accounts[:12]
    address = iter(f"10.{n // 250}.{n % 250}.1" for n in range(10_000))
    reached_password_step = 0
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _round in range(4):  # one more round than the hourly quota of codes
            for user in targets:
                client = behind_proxy(next(address))
                with delivered():
                    ask_reset(client, user.identifier, HTTP_X_FORWARDED_FOR=next(address))
                for shift in range(1, codes.MAX_ATTEMPTS + 2):
                    response = post_reset_code(
                        client, f"{shift:06d}", HTTP_X_FORWARDED_FOR=next(address)
                    )
                    reached_password_step += response.get("Location") == reverse(
                        "recovery:forgot_password_new"
                    )
            traveller.shift(codes.RESEND_COOLDOWN + dt.timedelta(seconds=1))
    for user in targets:
        issued = VerificationCode.objects.filter(user=user)
        assert issued.count() == codes.MAX_CODES_PER_HOUR
        assert checked_guesses(user=user) <= codes.MAX_CODES_PER_HOUR * codes.MAX_ATTEMPTS
    # Bound: ≤ 15 checked guesses per account per hour → P(success) ≤ 15/10⁶ per account-hour,
    # ≤ 50/10⁶ a day with the daily quota of 10 codes.
    assert reached_password_step == 0


# --- Passwords ----------------------------------------------------------------------------


def post_login(client: Client, identifier: str, password: str, **extra: str):
    return client.post(
        reverse("accounts:login"), {"identifier": identifier, "password": password}, **extra
    )


def test_ten_wrong_passwords_from_ten_addresses_lock_the_account(
    accounts: list[User], behind_proxy: Callable[[str], Client]
) -> None:
    target = accounts[0]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(IDENTIFIER_POLICY.lock_after):
            traveller.shift(dt.timedelta(seconds=IDENTIFIER_POLICY.max_delay))
            response = post_login(behind_proxy(f"203.0.113.{n}"), target.identifier, WRONG_PASSWORD)
            assert response.status_code == HTTPStatus.BAD_REQUEST
        traveller.shift(dt.timedelta(seconds=IDENTIFIER_POLICY.max_delay + 1))
        locked = post_login(behind_proxy("198.51.100.200"), target.identifier, DEMO_PASSWORD)
        assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "bloquée pendant 15 minutes" in text(locked)
        traveller.shift(dt.timedelta(seconds=LOCK_SECONDS + 1))
        after = post_login(behind_proxy("198.51.100.201"), target.identifier, DEMO_PASSWORD)
        assert after.status_code == HTTPStatus.FOUND
    failed = AuditEvent.objects.filter(event_type=AuditEvent.Type.LOGIN_FAILED).count()
    assert failed == IDENTIFIER_POLICY.lock_after


def test_one_address_spraying_many_accounts_is_slowed_then_locked(
    accounts: list[User], behind_proxy: Callable[[str], Client]
) -> None:
    sprayer = behind_proxy("198.51.100.7")
    checked = refused = 0
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for n in range(IP_POLICY.lock_after + 5):
            # The sprayer waits out every delay (at most a minute) and never repeats an
            # identifier: only the address's own count can stop it.
            traveller.shift(dt.timedelta(seconds=IP_POLICY.max_delay + 1))
            response = post_login(
                sprayer, f"{accounts[n % ACCOUNTS].identifier}x{n}", WRONG_PASSWORD
            )
            if response.status_code == HTTPStatus.TOO_MANY_REQUESTS:
                refused += 1
            else:
                assert response.status_code == HTTPStatus.BAD_REQUEST
                checked += 1
        assert checked == IP_POLICY.lock_after and refused == 5
        # Locked: even a right password from this address waits, another address does not.
        blocked = post_login(sprayer, accounts[0].identifier, DEMO_PASSWORD)
        assert blocked.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "Trop d'essais" in text(blocked)
        other = post_login(behind_proxy("198.51.100.8"), accounts[0].identifier, DEMO_PASSWORD)
        assert other.status_code == HTTPStatus.FOUND


def test_without_waiting_one_address_gets_twenty_password_tries_across_accounts(
    accounts: list[User],
) -> None:
    client = Client()
    with time_machine.travel(timezone.now(), tick=False):
        statuses = [
            post_login(client, user.identifier, WRONG_PASSWORD).status_code for user in accounts
        ]
    assert statuses[: IP_POLICY.delay_after] == [HTTPStatus.BAD_REQUEST] * IP_POLICY.delay_after
    assert set(statuses[IP_POLICY.delay_after :]) == {HTTPStatus.TOO_MANY_REQUESTS}


# --- Self-registration codes --------------------------------------------------------------


def start_signup(client: Client, family: Family, **extra: str):
    guardian = family.guardian
    return client.post(
        reverse("recovery:signup"),
        {
            "last_name": guardian.last_name,
            "first_name": guardian.first_name,
            "mobile": guardian.mobile,
        },
        **extra,
    )


def test_a_signup_code_is_dead_after_five_guesses_and_a_number_gets_ten_an_hour(  # type: ignore[no-untyped-def]
    nadia: Family, behind_proxy: Callable[[str], Client], delivered, settings
) -> None:
    address = iter(f"203.0.113.{n}" for n in range(1, 250))
    first = behind_proxy(next(address))
    with delivered():
        start_signup(first, nadia)
    code = last_code()
    statuses: list[int] = []
    clients = [first] + [behind_proxy(next(address)) for _ in range(2)]
    for client in clients[1:]:  # new browsers for the same number: no new code (cool-down)
        with delivered():
            start_signup(client, nadia)
    for client in clients:
        for shift in range(1, codes.MAX_ATTEMPTS + 1):
            response = client.post(
                reverse("recovery:signup_code"),
                {"code": wrong(code, shift)},
                HTTP_X_FORWARDED_FOR=next(address),
            )
            statuses.append(response.status_code)
    # 10 checks per number in 15 minutes ("signup_code": 10/15m/key), whatever the address.
    assert statuses[:10] == [HTTPStatus.BAD_REQUEST] * 10
    assert set(statuses[10:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert_french_429(response)
    assert VerificationCode.objects.filter(destination=NADIA_MOBILE).count() == 1
    assert checked_guesses(destination=NADIA_MOBILE) == codes.MAX_ATTEMPTS
    # The right code, after five wrong guesses, from a browser no limit holds back any more
    # (a changed rate is a new count: the window's end, without waiting for Redis's expiry).
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup_code": "100/15m/key,100/h/ip"}
    late = behind_proxy(next(address))
    with delivered():
        start_signup(late, nadia)
    right = late.post(reverse("recovery:signup_code"), {"code": code})
    assert right.status_code == HTTPStatus.BAD_REQUEST
    assert "Trop de demandes" not in right.content.decode()


def test_one_address_starts_twenty_signups_an_hour_across_numbers(
    college: Establishment, delivered
) -> None:
    guardians = make_parents(college, ACCOUNTS, with_account=False)
    client = Client()
    statuses = []
    for guardian in guardians:
        with delivered():
            response = client.post(
                reverse("recovery:signup"),
                {
                    "last_name": guardian.last_name,
                    "first_name": guardian.first_name,
                    "mobile": guardian.mobile,
                },
            )
        statuses.append(response.status_code)
    assert statuses[:20] == [HTTPStatus.FOUND] * 20
    assert set(statuses[20:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert VerificationCode.objects.count() == 20
