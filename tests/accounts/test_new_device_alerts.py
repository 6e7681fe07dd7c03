"""New-device alerts (issue 14): a login from a browser the account has not used in 90 days
tells the account, once per device, through the sending pipeline; the journal shows it."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.events import event_label
from accounts.known_devices import (
    KNOWN_DEVICE_MOVER,
    known_device_record,
    known_devices_purge,
)
from accounts.models import AuditEvent, KnownDevice, User
from accounts.services import user_create, user_email_set
from accounts.tasks import purge_forgotten_devices
from notifications.backends.sms import LocmemSmsBackend
from notifications.models import Notification
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import last_code
from tests.recovery.signup_support import answer, finish, nadia_family, post_code, start

pytestmark = pytest.mark.django_db

Delivered = Callable[[], AbstractContextManager[object]]
HOME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
PHONE_IP = "203.0.113.7"
PARENT_EMAIL = "patrick.dupont@exemple.fr"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def delivered(django_capture_on_commit_callbacks) -> Delivered:
    """``with delivered(): ...``: run what the request enqueued, as a worker would."""

    def run() -> AbstractContextManager[object]:
        return django_capture_on_commit_callbacks(execute=True)

    return run


def log_in(
    client: Client,
    user: User,
    *,
    agent: str = PHONE,
    ip: str = PHONE_IP,
    password: str = DEMO_PASSWORD,
):
    return client.post(
        reverse("accounts:login"),
        {"identifier": user.identifier, "password": password},
        HTTP_USER_AGENT=agent,
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def known_parent(parent: User) -> User:
    """A parent who has signed in before, from the home computer (its first login: quiet)."""
    response = log_in(Client(), parent, agent=HOME, ip="198.51.100.20")
    assert response.status_code == HTTPStatus.FOUND
    parent.refresh_from_db()
    return parent


def alerts() -> list[Notification]:
    return list(Notification.objects.filter(template="new_device").order_by("pk"))


def journaled(user: User, event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(subject=user, event_type=event_type))


def journal_page(client: Client) -> str:
    response = client.get(reverse("myaccount:journal"))
    assert response.status_code == HTTPStatus.OK
    return html.unescape(response.content.decode())


# --- Once per device --------------------------------------------------------------------


def test_a_login_from_a_new_device_sends_one_alert_and_the_journal_shows_it(
    known_parent: User, delivered: Delivered
) -> None:
    phone = Client()
    with delivered():
        response = log_in(phone, known_parent)
    assert response.status_code == HTTPStatus.FOUND
    [alert] = alerts()
    assert alert.channel == "sms" and alert.user == known_parent
    assert alert.status == Notification.Status.SENT  # queued, then sent by the task
    [sms] = LocmemSmsBackend.outbox
    assert sms.to == "+33612345678"
    assert "nouvelle connexion à votre compte" in sms.body and "Chrome sur Android" in sms.body
    [event] = journaled(known_parent, AuditEvent.Type.NEW_DEVICE_ALERTED)
    assert event.ip_address == PHONE_IP and event.details["notices"] == 1
    page = journal_page(phone)
    assert "Connexion depuis un nouvel appareil : alerte envoyée" in page


def test_the_same_device_is_not_alerted_on_its_next_logins(known_parent: User) -> None:
    phone = Client()
    log_in(phone, known_parent)
    phone.post(reverse("accounts:logout"))
    log_in(phone, known_parent)
    log_in(phone, known_parent, ip="192.0.2.99")  # another network, the same browser
    assert len(alerts()) == 1
    assert len(journaled(known_parent, AuditEvent.Type.NEW_DEVICE_ALERTED)) == 1
    device = KnownDevice.objects.get(user=known_parent, label="Chrome sur Android")
    assert device.last_ip_address == "192.0.2.99"


def test_a_login_from_a_known_device_costs_one_statement_on_known_devices(
    known_parent: User,
) -> None:
    phone = Client()
    log_in(phone, known_parent)
    with CaptureQueriesContext(connection) as queries:
        log_in(phone, known_parent)
    on_devices = [q["sql"] for q in queries.captured_queries if "knowndevice" in q["sql"]]
    assert len(on_devices) == 1 and on_devices[0].startswith("UPDATE")
    with CaptureQueriesContext(connection) as queries:
        log_in(Client(), known_parent)  # no cookie: straight to the INSERT
    on_devices = [q["sql"] for q in queries.captured_queries if "knowndevice" in q["sql"]]
    assert len(on_devices) == 1 and on_devices[0].startswith("INSERT")


def test_the_home_computer_is_not_alerted_either(known_parent: User) -> None:
    home = Client()
    log_in(home, known_parent, agent=HOME)  # a new Client: no cookie, a new device
    alerts_before = len(alerts())
    log_in(home, known_parent, agent=HOME)
    assert len(alerts()) == alerts_before == 1


def test_a_failed_login_sends_nothing_and_records_no_device(known_parent: User) -> None:
    stranger = Client()
    response = log_in(stranger, known_parent, password="Pas-Le-Bon-2026")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert alerts() == []
    assert KnownDevice.objects.filter(user=known_parent).count() == 1
    assert settings.DEVICE_COOKIE_NAME not in response.cookies
    assert not AuditEvent.objects.filter(event_type__startswith="new_device").exists()


def test_a_device_unseen_for_90_days_is_new_again(known_parent: User) -> None:
    phone = Client()
    log_in(phone, known_parent)
    with time_machine.travel(dt.timedelta(days=89)):
        log_in(phone, known_parent)
    assert len(alerts()) == 1  # 89 days later: still known (and seen again then)
    with time_machine.travel(dt.timedelta(days=89 + 91)):
        log_in(phone, known_parent)
    assert len(alerts()) == 2
    assert len(journaled(known_parent, AuditEvent.Type.NEW_DEVICE_ALERTED)) == 2


def test_a_tampered_device_cookie_counts_as_no_cookie(known_parent: User) -> None:
    phone = Client()
    phone.cookies[settings.DEVICE_COOKIE_NAME] = "not-a-token"
    response = log_in(phone, known_parent)
    assert len(alerts()) == 1
    assert response.cookies[settings.DEVICE_COOKIE_NAME].value != "not-a-token"


# --- No floods --------------------------------------------------------------------------


def test_logins_without_the_cookie_are_capped_per_account_and_journaled(
    known_parent: User, settings
) -> None:
    settings.NEW_DEVICE_ALERTS_PER_DAY = 3
    for _ in range(5):  # a private window each time: no cookie kept
        assert log_in(Client(), known_parent).status_code == HTTPStatus.FOUND
    assert len(alerts()) == 3
    assert len(journaled(known_parent, AuditEvent.Type.NEW_DEVICE_ALERTED)) == 3
    held = journaled(known_parent, AuditEvent.Type.NEW_DEVICE_ALERT_HELD)
    assert len(held) == 2 and all(event.details["notices"] == 0 for event in held)
    client = Client()
    log_in(client, known_parent)
    assert "alerte non envoyée (plusieurs alertes déjà envoyées" in journal_page(client)
    with time_machine.travel(dt.timedelta(hours=24, minutes=1)):
        log_in(Client(), known_parent)
    assert len(alerts()) == 4  # a new day, a new allowance


def test_an_account_with_no_channel_journals_that_nobody_could_be_told(
    known_parent: User,
) -> None:
    known_parent.guardian_records.update(mobile="")
    log_in(Client(), known_parent)
    assert alerts() == []
    [event] = journaled(known_parent, AuditEvent.Type.NEW_DEVICE_UNREACHABLE)
    assert "ni mobile ni adresse e-mail" in event_label(event.event_type)


# --- Who is not alerted ------------------------------------------------------------------


def test_the_first_login_of_an_account_records_its_device_without_an_alert(
    parent: User,
) -> None:
    assert parent.last_login is None
    log_in(Client(), parent)
    assert alerts() == []
    assert KnownDevice.objects.filter(user=parent).count() == 1
    [login] = journaled(parent, AuditEvent.Type.LOGIN_SUCCEEDED)
    assert login.details == {"method": "password", "new_device": True}


def test_signing_up_records_the_device_without_an_alert(college, delivered: Delivered) -> None:
    family = nadia_family(college)
    client = Client(HTTP_USER_AGENT=PHONE)
    with delivered():
        start(client)
    post_code(client, last_code())
    answer(client, {family.children[0]: ("oui", "23/11/2011")})
    with delivered():
        response = finish(client)
    assert response["Location"] == reverse("myaccount:account")
    nadia = User.objects.get(identifier="nadia.benali1")
    assert KnownDevice.objects.filter(user=nadia, label="Chrome sur Android").count() == 1
    assert settings.DEVICE_COOKIE_NAME in response.cookies
    assert alerts() == []
    client.post(reverse("accounts:logout"))
    nadia.set_password(DEMO_PASSWORD)
    nadia.save(update_fields=["password"])
    log_in(client, nadia)  # the phone she registered on is known
    assert alerts() == []
    log_in(Client(), nadia)  # another browser is not
    assert len(alerts()) == 1


# --- The cookie ---------------------------------------------------------------------------


def test_the_device_cookie_is_long_lived_http_only_lax_and_secure_per_settings(
    known_parent: User, settings
) -> None:
    for secure in (True, False):
        settings.SESSION_COOKIE_SECURE = secure
        response = log_in(Client(), known_parent)
        cookie = response.cookies[settings.DEVICE_COOKIE_NAME]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert bool(cookie["secure"]) is secure
        assert cookie["path"] == "/"
        assert int(cookie["max-age"]) >= 365 * 24 * 3600
        assert len(cookie.value) == 43
        stored = KnownDevice.objects.filter(user=known_parent).values_list("token_hash", flat=True)
        assert hashlib.sha256(cookie.value.encode()).hexdigest() in stored
        assert cookie.value not in stored  # only its hash is kept


def test_the_cookie_is_renewed_with_the_same_value_at_each_login(known_parent: User) -> None:
    phone = Client()
    first = log_in(phone, known_parent).cookies[settings.DEVICE_COOKIE_NAME].value
    again = log_in(phone, known_parent).cookies[settings.DEVICE_COOKIE_NAME].value
    assert first == again
    assert log_in(Client(), known_parent).cookies[settings.DEVICE_COOKIE_NAME].value != first


def test_pages_other_than_a_login_set_no_device_cookie(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert settings.DEVICE_COOKIE_NAME not in response.cookies


# --- What the notice says ----------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 12, 2, 14, 5, tzinfo=PARIS), tick=False)
def test_the_notice_names_the_browser_the_address_the_date_and_the_links_in_french(
    known_parent: User, delivered: Delivered
) -> None:
    user_email_set(user=known_parent, email=PARENT_EMAIL, verified=True)
    with delivered():
        log_in(Client(), known_parent, agent=HOME, ip="2001:db8::42")
    [message] = mail.outbox
    assert message.to == [PARENT_EMAIL]
    assert message.subject == "Nouvelle connexion à votre compte"
    body = message.body
    assert "Nouvelle connexion à votre compte patrick.dupont1" in body
    assert "navigateur : Firefox sur Windows" in body
    assert "adresse IP : 2001:db8::42" in body
    assert "date : 2 décembre 2026 14:05" in body
    assert "Ce n'est pas vous ? Changez votre mot de passe" in body
    assert f"{settings.SITE_URL}{reverse('myaccount:change_password')}" in body
    assert f"{settings.SITE_URL}{reverse('recovery:forgot_password')}" in body
    assert "La ville n'est pas indiquée" in body
    html_body = message.alternatives[0][0]
    assert f'href="{settings.SITE_URL}{reverse("myaccount:change_password")}"' in html_body
    [sms] = LocmemSmsBackend.outbox
    # One GSM-7 segment (tests/notifications/test_templates.py): the address and the links are
    # in the e-mail and the journal; an SMS alert carries no link to follow (phishing's shape).
    assert sms.body == (
        "Portail : nouvelle connexion à votre compte le 02/12/2026 14:05 (Firefox sur Windows). "
        "Pas vous ? Changez votre mot de passe (Mot de passe perdu)."
    )


# --- Staff ------------------------------------------------------------------------------


@pytest.fixture
def secretary(college) -> User:
    user = user_create(
        kind=User.Kind.STAFF,
        first_name="Claire",
        last_name="Martin",
        password=DEMO_PASSWORD,
        email="claire.martin@exemple.fr",
        email_verified=True,
    )
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_the_console_login_is_the_portal_login(secretary: User) -> None:
    client = Client()
    page = client.get(reverse("admin:login"), {"next": reverse("admin:index")})
    assert page.status_code == HTTPStatus.FOUND
    assert page["Location"].startswith(reverse("accounts:login"))
    posted = client.post(
        reverse("admin:login"), {"username": secretary.identifier, "password": DEMO_PASSWORD}
    )
    assert posted.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in client.session  # the admin's own form logs nobody in
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


def test_a_staff_login_from_a_new_device_is_alerted_like_anyone_s(
    secretary: User, delivered: Delivered
) -> None:
    log_in(Client(), secretary, agent=HOME)  # the first login: quiet
    with delivered():
        log_in(Client(), secretary)
    [alert] = alerts()
    assert alert.channel == "email" and alert.destination == "claire.martin@exemple.fr"
    assert len(journaled(secretary, AuditEvent.Type.NEW_DEVICE_ALERTED)) == 1


# --- Housekeeping and merging -------------------------------------------------------------


def test_beat_forgets_devices_unseen_for_90_days(known_parent: User) -> None:
    log_in(Client(), known_parent)
    assert "purge-forgotten-devices" in settings.CELERY_BEAT_SCHEDULE
    with time_machine.travel(dt.timedelta(days=60)):
        log_in(Client(), known_parent)
    with time_machine.travel(dt.timedelta(days=91)):
        assert purge_forgotten_devices.delay().get() == 2
    assert KnownDevice.objects.filter(user=known_parent).count() == 1
    assert known_devices_purge() == 0


def test_two_parallel_claims_of_a_forgotten_device_alert_once(known_parent: User) -> None:
    now = dt.datetime.now(tz=PARIS)
    args = {"user": known_parent, "token": "t" * 43, "device": "Safari sur iPhone"}
    assert known_device_record(**args, ip_address="192.0.2.1", now=now) is True
    assert known_device_record(**args, ip_address="192.0.2.1", now=now) is False
    later = now + dt.timedelta(days=91)
    assert known_device_record(**args, ip_address="192.0.2.2", now=later) is True
    assert known_device_record(**args, ip_address="192.0.2.2", now=later) is False


def test_merging_moves_the_closed_account_s_devices_to_the_kept_one(
    known_parent: User, college
) -> None:
    other = user_create(
        kind=User.Kind.PARENT, first_name="Patrick", last_name="Dupont", password=DEMO_PASSWORD
    )
    now = dt.datetime.now(tz=PARIS)
    for token in ("a" * 43, "b" * 43):
        known_device_record(user=other, token=token, device="x", ip_address="", now=now)
    known_device_record(user=known_parent, token="a" * 43, device="x", ip_address="", now=now)
    KNOWN_DEVICE_MOVER.move(kept=known_parent, closed=other)
    assert KnownDevice.objects.filter(user=other).count() == 0
    assert KnownDevice.objects.filter(user=known_parent).count() == 3  # home, a, b
    assert KNOWN_DEVICE_MOVER.describe(other) == []


@time_machine.travel(dt.datetime(2026, 12, 2, 14, 5, tzinfo=PARIS), tick=False)
def test_the_notice_is_rendered_in_the_language_of_the_login_page(
    known_parent: User, delivered: Delivered
) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with delivered():
        log_in(client, known_parent)
    [sms] = LocmemSmsBackend.outbox
    # The English formats and device names (the notice's sentences follow once the English
    # catalogue has them): not "02/12/2026 14:05 (Chrome sur Android)".
    assert "2 Dec 2026, 14:05 (Chrome on Android)" in sms.body
