"""SMS pumping: making the portal send many paid SMS. Public forms send only to numbers the
school recorded; one address is stopped by its rate limit; many addresses are stopped by the
SMS budgets, whose refusals are logged as ``blocked`` and audited (DESIGN §4)."""

from __future__ import annotations

import html
from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Establishment
from notifications.backends.sms import LocmemSmsBackend
from notifications.models import Notification
from tests.attacks.conftest import make_parents

pytestmark = pytest.mark.django_db

IP_LIMIT = 20  # "…,20/h/ip" for forgot_identifier_sms and signup


def ask_identifier(client: Client, mobile: str, **extra: str):
    return client.post(
        reverse("recovery:forgot_identifier"), {"channel": "sms", "mobile": mobile}, **extra
    )


def ask_signup(client: Client, last_name: str, first_name: str, mobile: str, **extra: str):
    return client.post(
        reverse("recovery:signup"),
        {"last_name": last_name, "first_name": first_name, "mobile": mobile},
        **extra,
    )


def sms_sent() -> int:
    return len(LocmemSmsBackend.outbox)


def sms_logged(status: str | None = None) -> int:
    rows = Notification.objects.filter(channel=Notification.Channel.SMS)
    return (rows.filter(status=status) if status else rows).count()


def test_one_address_asking_for_many_real_numbers_is_stopped_by_its_limit(
    college: Establishment, delivered
) -> None:
    guardians = make_parents(college, 25, with_account=True)
    client = Client()
    statuses = []
    for guardian in guardians:
        with delivered():
            statuses.append(ask_identifier(client, guardian.mobile).status_code)
    assert statuses[:IP_LIMIT] == [HTTPStatus.FOUND] * IP_LIMIT
    assert set(statuses[IP_LIMIT:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert sms_sent() == sms_logged() == IP_LIMIT


def test_one_address_asking_for_many_unknown_numbers_sends_nothing(delivered) -> None:
    client = Client()
    statuses = []
    for number in range(25):
        mobile = f"06 {50 + number} 00 00 00"
        with delivered():
            statuses.append(ask_identifier(client, mobile).status_code)
            ask_signup(Client(REMOTE_ADDR="10.9.9.9"), "Inconnu", "Personne", mobile)
    assert statuses[:IP_LIMIT] == [HTTPStatus.FOUND] * IP_LIMIT
    assert set(statuses[IP_LIMIT:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert sms_sent() == sms_logged() == 0


def test_many_addresses_with_many_real_numbers_hit_the_global_budget(
    college: Establishment, settings, behind_proxy: Callable[[str], Client], delivered
) -> None:
    settings.SMS_BUDGET_GLOBAL_PER_HOUR = 10
    guardians = make_parents(college, 15, with_account=False)
    for number, guardian in enumerate(guardians):
        with delivered():
            response = ask_signup(
                behind_proxy(f"203.0.113.{number}"),
                guardian.last_name,
                guardian.first_name,
                guardian.mobile,
            )
        assert response.status_code == HTTPStatus.FOUND
    assert sms_logged() == 15
    assert sms_sent() == sms_logged(Notification.Status.SENT) == 10
    assert sms_logged(Notification.Status.BLOCKED) == 5
    blocked = AuditEvent.objects.filter(event_type=AuditEvent.Type.SMS_BLOCKED)
    assert blocked.count() == 5
    assert {event.details["budget"] for event in blocked} == {"global_hourly"}
    assert {message.to for message in LocmemSmsBackend.outbox} == {g.mobile for g in guardians[:10]}


def test_one_number_asked_from_many_addresses_hits_its_own_budget(
    college: Establishment,
    settings,
    behind_proxy: Callable[[str], Client],
    generous_limits: None,
    delivered,
) -> None:
    """The budget is the last line: here the rate limits are out of the way, as after a cache
    flush, and the number still gets no more than its hourly budget."""
    (guardian,) = make_parents(college, 1, with_account=True)
    for number in range(8):
        with delivered():
            ask_identifier(behind_proxy(f"203.0.113.{number}"), guardian.mobile)
    per_hour = settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR
    assert sms_sent() == per_hour
    assert sms_logged(Notification.Status.BLOCKED) == 8 - per_hour
    events = AuditEvent.objects.filter(event_type=AuditEvent.Type.SMS_BLOCKED)
    assert {event.details["budget"] for event in events} == {"destination_hourly"}


@pytest.mark.parametrize(
    "mobile",
    ["08 99 12 34 56", "+33 8 99 12 34 56", "0810 12 34 56", "3617", "+33 1 40 00 00 01"],
)
def test_premium_short_and_landline_numbers_are_refused_in_french(mobile: str, delivered) -> None:
    with delivered():
        identifier = ask_identifier(Client(), mobile)
        signup = ask_signup(Client(), "Dupont", "Sophie", mobile)
    for response in (identifier, signup):
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "n'est pas valide" in html.unescape(response.content.decode())
    assert sms_logged() == sms_sent() == 0


@pytest.mark.parametrize("mobile", ["+881 6 1234 5678", "+44 7911 123456", "+225 07 01 23 45 67"])
def test_foreign_and_satellite_numbers_not_in_the_roster_get_nothing(
    mobile: str, parent, delivered
) -> None:
    with delivered():
        identifier = ask_identifier(Client(), mobile)
        signup = ask_signup(Client(), "Dupont", "Patrick", mobile)
    assert identifier.status_code == signup.status_code == HTTPStatus.FOUND
    assert sms_logged() == sms_sent() == 0
