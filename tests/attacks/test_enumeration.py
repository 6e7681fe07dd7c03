"""Nobody learns from a public form whether an account, a phone or an e-mail exists: the same
status, headers, page and number of queries, and the same time (DESIGN §4).

``tests/recovery/test_no_enumeration.py`` covers the first step of the lost identifier and
lost password journeys and the wrong code of the lost password; this file covers every other
form: login, the console's login, the resend buttons, each self-registration step (a parent in
the roster, a parent already registered, nobody), the e-mail change and its link.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import ratelimits as throttling
from core.channels import Channel
from notifications.budget import recount_if_lost
from recovery import codes
from recovery.flows.signup import BIRTH_DATE_TRIES
from tests.attacks.conftest import WRONG_PASSWORD
from tests.helpers import comparable_headers, comparable_page
from tests.recovery.signup_support import NADIA_MOBILE, YANIS_BORN, Family

pytestmark = pytest.mark.django_db

TRIES = 30
TOLERANCE = 0.20
MEASUREMENTS = 3
SENT_CODE = "123456"
WRONG_CODE = "654321"


@dataclass(frozen=True)
class Case:
    """``prepare`` (untimed, uncounted) brings a fresh browser to the form; ``ask`` sends it."""

    ask: Callable[[Client, str], object]
    known: str
    unknown: str
    prepare: Callable[[Client, str], object] | None = None


def login(client: Client, identifier: str):
    return client.post(
        reverse("accounts:login"), {"identifier": identifier, "password": WRONG_PASSWORD}
    )


def console_login(client: Client, identifier: str):
    """Staff sign in to the console on the portal's login page (``/admin/login/`` sends them
    there), with the console as the way back."""
    return client.post(
        f"{reverse('accounts:login')}?next={reverse('admin:index')}",
        {"identifier": identifier, "password": WRONG_PASSWORD},
    )


def signup_start(client: Client, names: str):
    last_name, first_name, mobile = names.split("|")
    return client.post(
        reverse("recovery:signup"),
        {"last_name": last_name, "first_name": first_name, "mobile": mobile},
    )


def forgot_password_start(client: Client, identifier: str):
    return client.post(
        reverse("recovery:forgot_password"), {"identifier": identifier, "channel": "sms"}
    )


def forgot_password_resend(client: Client, _value: str):
    return client.post(reverse("recovery:forgot_password_resend"))


def signup_resend(client: Client, _value: str):
    return client.post(reverse("recovery:signup_resend"))


def signup_wrong_code(client: Client, _value: str):
    return client.post(reverse("recovery:signup_code"), {"code": WRONG_CODE})


NADIA = "Benali|Nadia|0692 12 34 56"
NOBODY_ON_NADIAS_NUMBER = "Inconnue|Nadia|0692 12 34 56"
PATRICK = "Dupont|Patrick|06 12 34 56 78"  # already registered
NOBODY_ON_PATRICKS_NUMBER = "Inconnu|Patrick|06 12 34 56 78"

CASES = {
    # Same length as the real one: the page shows what was typed, and its length is a header.
    "login": Case(login, "patrick.dupont1", "patrick.dupont9"),
    "console login": Case(console_login, "patrick.dupont1", "patrick.dupont9"),
    "signup start, in the roster": Case(signup_start, NADIA, NOBODY_ON_NADIAS_NUMBER),
    "signup start, registered": Case(signup_start, PATRICK, NOBODY_ON_PATRICKS_NUMBER),
    "signup code, in the roster": Case(
        signup_wrong_code, NADIA, NOBODY_ON_NADIAS_NUMBER, prepare=signup_start
    ),
    "signup code, registered": Case(
        signup_wrong_code, PATRICK, NOBODY_ON_PATRICKS_NUMBER, prepare=signup_start
    ),
    "signup resend": Case(signup_resend, NADIA, NOBODY_ON_NADIAS_NUMBER, prepare=signup_start),
    "password resend": Case(
        forgot_password_resend, "patrick.dupont1", "personne.inconnue1", forgot_password_start
    ),
}


@pytest.fixture
def people(parent: User, nadia: Family, monkeypatch: pytest.MonkeyPatch) -> None:
    """Patrick (registered, +33612345678) and Nadia (in the roster, no account); every code
    sent is SENT_CODE, so WRONG_CODE is wrong for everyone."""
    assert parent.identifier == "patrick.dupont1"
    monkeypatch.setattr(codes, "new_code", lambda: SENT_CODE)


@pytest.fixture
def no_login_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timing measures the answer to a wrong password, not the lock that follows ten."""
    never = throttling.Policy(delay_after=10**6, lock_after=10**6, max_delay=60)
    monkeypatch.setattr(throttling, "IDENTIFIER_POLICY", never)
    monkeypatch.setattr(throttling, "IP_POLICY", never)


def _without(text: str, value: str) -> str:
    """The page with what the person typed taken out (it is shown back to them)."""
    for part in value.split("|"):
        text = text.replace(part, "<typed>")
    return text


def _answer(case: Case, value: str, traveller, delivered) -> tuple[object, ...]:
    client = Client()
    if case.prepare is not None:
        with delivered():
            case.prepare(client, value)
        traveller.shift(codes.RESEND_COOLDOWN + dt.timedelta(seconds=1))
    with CaptureQueriesContext(connection) as queries:
        response = case.ask(client, value)
    page = response
    if response.status_code == HTTPStatus.FOUND:
        page = client.get(response["Location"])
    return (
        response.status_code,
        comparable_headers(response),
        page.status_code,
        _without(comparable_page(page.content.decode()), value),
        len(queries),
    )


@pytest.mark.parametrize("name", CASES)
def test_known_and_unknown_get_the_same_answer_and_queries(
    name: str, people: None, delivered
) -> None:
    case = CASES[name]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        known = _answer(case, case.known, traveller, delivered)
        unknown = _answer(case, case.unknown, traveller, delivered)
    assert known[0] in {HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST}
    assert known[2] in {HTTPStatus.OK, HTTPStatus.BAD_REQUEST}
    assert known == unknown


# The resend buttons do the same work as the first request, whose timing is measured here
# (signup start) and in tests/recovery/test_no_enumeration.py (lost password).
TIMED = [name for name in CASES if "resend" not in name]


@pytest.mark.parametrize("name", TIMED)
def test_known_and_unknown_take_the_same_time(
    name: str, people: None, generous_limits: None, no_login_lock: None, delivered, capsys
) -> None:
    case = CASES[name]
    # A real difference shows in every measurement; load from other processes on a shared
    # machine rarely spoils three in a row, so up to three independent measurements are made.
    verdicts = []
    for _measurement in range(MEASUREMENTS):
        known, unknown, gap = _measure(case, delivered)
        with capsys.disabled():
            print(
                f"\n[enumeration timing] {name}: median known {known * 1000:.2f} ms, unknown "
                f"{unknown * 1000:.2f} ms, paired gap {gap * 1000:.2f} ms over {TRIES} tries"
            )
        verdicts.append(abs(gap) <= TOLERANCE * max(known, unknown))
        if verdicts[-1]:
            break
    assert any(verdicts)


def _measure(case: Case, delivered) -> tuple[float, float, float]:
    """Medians of the known and the unknown answer, and the median gap between the two
    answers of one round (a burst of load slows both answers of a round alike)."""
    timings: dict[str, list[float]] = {case.known: [], case.unknown: []}
    clients = {case.known: Client(), case.unknown: Client()}
    clock = time_machine.travel(timezone.now(), tick=True) if case.prepare else nullcontext()
    with clock as traveller:
        for round_ in range(TRIES + 5):  # interleaved so drift hits both alike; 5 to warm up
            for value in (case.known, case.unknown) if round_ % 2 else (case.unknown, case.known):
                client = clients[value]
                client.cookies.clear()  # a new browser each time
                if case.prepare is not None:
                    with delivered():
                        case.prepare(client, value)
                    traveller.shift(codes.RESEND_COOLDOWN + dt.timedelta(seconds=1))
                started = time.perf_counter()
                case.ask(client, value)
                if round_ >= 5:
                    timings[value].append(time.perf_counter() - started)
    gap = statistics.median(
        a - b for a, b in zip(timings[case.known], timings[case.unknown], strict=True)
    )
    return statistics.median(timings[case.known]), statistics.median(timings[case.unknown]), gap


# --- Steps that only a person holding the phone reaches -----------------------------------


def _children_step(client: Client, delivered) -> None:
    with delivered():
        signup_start(client, NADIA)
    response = client.post(reverse("recovery:signup_code"), {"code": SENT_CODE})
    assert response["Location"] == reverse("recovery:signup_children")


def test_a_wrong_birth_date_says_the_same_whether_or_not_another_child_has_it(
    people: None, nadia: Family, college, delivered
) -> None:
    from tests.conftest import make_student

    someone_else = make_student(college, last_name="Autre", birth_date=dt.date(2012, 5, 6))
    yanis = nadia.children[0]
    assert someone_else.birth_date != YANIS_BORN
    answers = []
    for typed in (someone_else.birth_date, dt.date(2012, 5, 7)):
        client = Client()
        with time_machine.travel(timezone.now() + codes.RESEND_COOLDOWN * len(answers)):
            _children_step(client, delivered)
        data = {f"legal_{yanis.pk}": "oui", f"birth_date_{yanis.pk}": typed.strftime("%d/%m/%Y")}
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("recovery:signup_children"), data)
        page = comparable_page(response.content.decode()).replace(typed.strftime("%d/%m/%Y"), "")
        answers.append((response.status_code, comparable_headers(response), page, len(queries)))
        BIRTH_DATE_TRIES.clear(NADIA_MOBILE)  # the tries are counted per mobile, not per flow
    assert answers[0][0] == HTTPStatus.BAD_REQUEST
    assert answers[0] == answers[1]


def test_asking_for_another_accounts_email_looks_like_asking_for_a_new_one(
    logged_in_parent: Client, student: User
) -> None:
    logged_in_parent.get(reverse("myaccount:change_email"))  # the session's first visit
    # The first message after the cache was emptied (each test starts so) recounts the global
    # budget from the log, once for the whole site, whichever request it is: done beforehand.
    recount_if_lost(Channel.EMAIL, timezone.now())
    answers = []
    for email in (student.email, "lea.martin@eleve.exemple.fr"):  # of the same length
        with CaptureQueriesContext(connection) as queries:
            response = logged_in_parent.post(reverse("myaccount:change_email"), {"email": email})
        page = comparable_page(response.content.decode()).replace(email, "<typed>")
        answers.append((response.status_code, comparable_headers(response), page, len(queries)))
    assert answers[0][0] == HTTPStatus.OK
    assert answers[0] == answers[1]


def test_another_accounts_email_link_looks_like_a_made_up_one(
    logged_in_parent: Client, student: User, delivered
) -> None:
    other = Client()
    other.force_login(student)
    with delivered():
        other.post(reverse("myaccount:change_email"), {"email": "lea.nouvelle@exemple.fr"})
    real_token = mail.outbox[-1].body.split("/verifier/")[1].split("/")[0]
    made_up_token = "x" * len(real_token)
    answers = []
    for token in (real_token, made_up_token):
        opened = logged_in_parent.get(reverse("myaccount:verify_email_link", args=[token]))
        with CaptureQueriesContext(connection) as queries:
            response = logged_in_parent.get(opened["Location"])
        answers.append(
            (
                response.status_code,
                comparable_headers(response),
                comparable_page(response.content.decode()),
                len(queries),
            )
        )
    assert answers[0][0] == HTTPStatus.BAD_REQUEST
    assert answers[0] == answers[1]
