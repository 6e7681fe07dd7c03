"""Nobody learns from the recovery pages whether an identifier, a phone or an e-mail exists:
same status, same headers, same page, and the same time on the web process (DESIGN §4).

The lookups and the sending run in the Celery task after the request (here: enqueued and not
run, as with a worker), so both paths do the same work; the timing test checks it holds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.helpers import comparable_headers, comparable_page
from tests.recovery.conftest import STUDENT_EMAIL, last_code

pytestmark = pytest.mark.django_db

TRIES = 50
TOLERANCE = 0.20

Post = Callable[[Client, str], object]


def forgot_password_sms(client: Client, value: str):
    return client.post(reverse("recovery:forgot_password"), {"identifier": value, "channel": "sms"})


def forgot_password_email(client: Client, value: str):
    return client.post(
        reverse("recovery:forgot_password"), {"identifier": value, "channel": "email"}
    )


def forgot_identifier_sms(client: Client, value: str):
    return client.post(reverse("recovery:forgot_identifier"), {"channel": "sms", "mobile": value})


def forgot_identifier_email(client: Client, value: str):
    return client.post(reverse("recovery:forgot_identifier"), {"channel": "email", "email": value})


CASES = {
    "password by SMS": (forgot_password_sms, "patrick.dupont1", "personne.inconnue1"),
    "password by e-mail": (forgot_password_email, "lea.dupont1", "personne.inconnue1"),
    "identifier by SMS": (forgot_identifier_sms, "+33612345678", "+33698765432"),
    "identifier by e-mail": (forgot_identifier_email, STUDENT_EMAIL, "personne@exemple.fr"),
}


@pytest.fixture
def accounts(parent: User, student: User) -> None:
    assert parent.identifier == "patrick.dupont1" and student.identifier == "lea.dupont1"


@pytest.fixture
def generous_limits(settings) -> None:
    settings.RATE_LIMITS = {name: "100000/h/key,100000/h/ip" for name in settings.RATE_LIMITS}


def _answer(post: Post, value: str) -> tuple[int, dict[str, object], str, int, int]:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = post(client, value)
    follow = client.get(response["Location"])
    return (
        response.status_code,
        comparable_headers(response),
        comparable_page(follow.content.decode()),
        follow.status_code,
        len(queries),
    )


@pytest.mark.parametrize("case", CASES)
def test_known_and_unknown_get_the_same_answer(case: str, accounts: None) -> None:
    post, known, unknown = CASES[case]
    known_answer = _answer(post, known)
    unknown_answer = _answer(post, unknown)
    assert known_answer[0] == HTTPStatus.FOUND and known_answer[3] == HTTPStatus.OK
    assert known_answer == unknown_answer


@pytest.mark.parametrize("case", CASES)
def test_known_and_unknown_take_the_same_time(
    case: str, accounts: None, generous_limits: None, capsys
) -> None:
    post, known, unknown = CASES[case]
    # A real difference shows in every measurement; load from other processes on a shared
    # machine rarely spoils three in a row, so up to three independent measurements are made.
    verdicts = []
    for _measurement in range(3):
        known_median, unknown_median, gap = _measure(post, known, unknown)
        with capsys.disabled():
            print(
                f"\n[enumeration timing] {case}: median known {known_median * 1000:.2f} ms, "
                f"unknown {unknown_median * 1000:.2f} ms, paired gap {gap * 1000:.2f} ms "
                f"over {TRIES} tries each"
            )
        verdicts.append(abs(gap) <= TOLERANCE * max(known_median, unknown_median))
        if verdicts[-1]:
            break
    assert any(verdicts)


def _measure(post, known: str, unknown: str) -> tuple[float, float, float]:
    """Medians of the known and the unknown answer, and the median gap between the two
    answers of one round (a burst of load slows both answers of a round alike)."""
    timings: dict[str, list[float]] = {known: [], unknown: []}
    clients = {known: Client(), unknown: Client()}
    for round_ in range(TRIES + 5):  # interleaved, so drift hits both alike; 5 to warm up
        for value in (known, unknown) if round_ % 2 else (unknown, known):
            started = time.perf_counter()
            post(clients[value], value)
            if round_ >= 5:
                timings[value].append(time.perf_counter() - started)
    gap = statistics.median(a - b for a, b in zip(timings[known], timings[unknown], strict=True))
    return statistics.median(timings[known]), statistics.median(timings[unknown]), gap


def test_a_wrong_code_gets_the_same_answer_and_queries_for_known_and_unknown(
    accounts: None, delivered
) -> None:
    answers = []
    wrong = ""
    for identifier in ("patrick.dupont1", "personne.inconnue1"):
        client = Client()
        with delivered():
            forgot_password_sms(client, identifier)
        wrong = wrong or f"{(int(last_code()) + 1) % 10**6:06d}"  # never the code sent
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("recovery:forgot_password_sent"), {"code": wrong})
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
