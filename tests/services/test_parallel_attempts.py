"""Counters that hold under parallel requests, against gunicorn, PostgreSQL and Redis (issue 16,
item 5): posts fired at once by threads through one barrier cannot all be checked.

gunicorn runs as docker-compose runs it (from the project directory, so with gunicorn.conf.py),
with threads so that the posts really are served at the same time; tasks run in its process
(``CELERY_TASK_ALWAYS_EAGER``) and SMS go to the outbox, where the test reads the codes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest
import requests
from django.conf import settings

from accounts.models import AuditEvent, Establishment, User
from core.ratelimits import IDENTIFIER_POLICY
from recovery.flows.signup import MAX_WRONG_BIRTH_DATES
from recovery.models import VerificationCode
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student
from tests.recovery.signup_support import YANIS_BORN, nadia_family
from tests.services.workers import (
    flush_redis,
    start_gunicorn,
    stop_process,
    wait_for,
    worker_database_url,
)

pytestmark = pytest.mark.django_db(transaction=True)

PARALLEL = 16


@dataclass
class Portal:
    base: str
    outbox: Path
    log: Path

    def codes_sent_to(self, mobile: str) -> list[str]:
        path = self.outbox / "sms.jsonl"
        if not path.exists():
            return []
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [
            match.group(1)
            for line in lines
            if line["to"] == mobile and (match := re.search(r"\b(\d{6})\b", line["body"]))
        ]


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[Portal]:
    flush_redis()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": "parallel-" + "k" * 50,
        "DEBUG": "true",  # plain HTTP cookies; the production settings are tested elsewhere
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "SMS_BACKEND": "console",
        "VAR_DIR": str(tmp_path / "var"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "gunicorn.log"
    process, base = start_gunicorn(env, log, workers=2, threads=PARALLEL, access_log=True)
    try:
        yield Portal(base=base, outbox=tmp_path / "outbox", log=log)
    finally:
        stop_process(process)
        print(log.read_text(errors="replace")[-4000:])
        flush_redis()


def browser(portal: Portal, path: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{portal.base}{path}", timeout=30)
    return session


def post(session: requests.Session, portal: Portal, path: str, data: dict[str, str]):
    token = session.cookies.get("csrftoken", "")
    return session.post(
        f"{portal.base}{path}",
        data={"csrfmiddlewaretoken": token, **data},
        allow_redirects=False,
        timeout=60,
    )


def clone(session: requests.Session) -> requests.Session:
    """Another connection carrying the same cookies: the same browser, posting again."""
    twin = requests.Session()
    twin.cookies.update(session.cookies)
    return twin


def at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every call in its own thread, released together by one barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[requests.Response | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(result is not None for result in results)
    return results  # type: ignore[return-value]


def test_four_wrong_birth_dates_and_the_right_one_posted_at_once_are_not_all_checked(
    portal: Portal, college: Establishment
) -> None:
    family = nadia_family(college)
    yanis = family.children[0]
    nadia = browser(portal, "/inscription/")
    post(nadia, portal, "/inscription/", {"last_name": "Benali", "first_name": "Nadia",
                                           "mobile": "0692123456"})  # fmt: skip
    [code] = portal.codes_sent_to("+262692123456")
    assert post(nadia, portal, "/inscription/code/", {"code": code}).status_code == HTTPStatus.FOUND

    dates = [
        "01/01/2011",
        "02/02/2011",
        "03/03/2011",
        "04/04/2011",
        YANIS_BORN.strftime("%d/%m/%Y"),
    ]
    twins = [clone(nadia) for _ in dates]
    answers = at_once(
        [
            lambda twin=twin, born=born: post(
                twin,
                portal,
                "/inscription/enfants/",
                {f"legal_{yanis.pk}": "oui", f"birth_date_{yanis.pk}": born},
            )  # fmt: skip
            for twin, born in zip(twins, dates, strict=True)
        ]
    )

    pages = [
        (answer.status_code, answer.headers.get("Location", ""), answer.text) for answer in answers
    ]
    right = [p for p in pages if p[0] == HTTPStatus.FOUND and p[1].endswith("/mot-de-passe/")]
    wrong = [p for p in pages if "Essais restants" in p[2]]
    ended = AuditEvent.objects.filter(event_type="signup_blocked").count()  # the one that ended it
    # One right answer was compared if the step passed (the others of the journey then go to
    # the password step without comparing); each wrong one says so, the last one ends the flow.
    checked = min(len(right), 1) + len(wrong) + ended
    summary = [(status, location, "Essais restants" in page, "Trois dates" in page)
               for status, location, page in pages]  # fmt: skip
    assert checked <= MAX_WRONG_BIRTH_DATES < len(dates), (summary, ended)
    assert ended <= 1


def test_passwords_posted_at_once_are_compared_no_more_than_the_lock_allows(
    portal: Portal, parent: User
) -> None:
    tries = [f"Pas-Le-Bon-{n:02d}" for n in range(PARALLEL - 1)] + [DEMO_PASSWORD]
    browsers = [browser(portal, "/connexion/") for _ in tries]
    answers = at_once(
        [
            lambda b=b, password=password: post(
                b, portal, "/connexion/", {"identifier": parent.identifier, "password": password}
            )
            for b, password in zip(browsers, tries, strict=True)
        ]
    )
    statuses = [answer.status_code for answer in answers]
    compared = [status for status in statuses if status != HTTPStatus.TOO_MANY_REQUESTS]
    assert len(compared) <= IDENTIFIER_POLICY.lock_after < len(tries), statuses
    assert set(compared) <= {HTTPStatus.BAD_REQUEST, HTTPStatus.FOUND}


def test_codes_guessed_at_once_from_two_browsers_are_compared_five_times_at_most(
    portal: Portal, college: Establishment
) -> None:
    guardian = make_guardian(college)
    parent = make_parent_account(guardian, student=make_student(college))
    journeys = []
    for _ in range(2):
        journey = browser(portal, "/mot-de-passe-perdu/")
        post(journey, portal, "/mot-de-passe-perdu/", {"identifier": parent.identifier,
                                                         "channel": "sms"})  # fmt: skip
        journeys.append(journey)
    [code] = portal.codes_sent_to(guardian.mobile)
    guesses = [f"{(int(code) + n) % 10**6:06d}" for n in range(1, 11)]  # ten wrong codes
    twins = [clone(journeys[n % 2]) for n in range(len(guesses))]
    answers = at_once(
        [
            lambda twin=twin, guess=guess: post(
                twin, portal, "/mot-de-passe-perdu/verification/", {"code": guess}
            )
            for twin, guess in zip(twins, guesses, strict=True)
        ]
    )
    assert all(answer.status_code < HTTPStatus.INTERNAL_SERVER_ERROR for answer in answers)
    row = VerificationCode.objects.get(user=parent, consumed_at=None)
    assert row.attempts == 5  # ten guesses arrived; five were counted and compared


def test_the_access_log_never_keeps_a_link_token(portal: Portal) -> None:
    token = secrets.token_urlsafe(32)
    for path in (f"/mot-de-passe-perdu/lien/{token}/", f"/mon-compte/e-mail/verifier/{token}/"):
        response = requests.get(f"{portal.base}{path}", allow_redirects=False, timeout=30)
        assert response.status_code == HTTPStatus.FOUND

    def logged() -> str:
        text = portal.log.read_text(errors="replace")
        return text if "/verifier/" in text else ""

    log = wait_for(logged, what="the access log lines")
    assert "/lien/[masqué]/" in log and "/verifier/[masqué]/" in log
    assert token not in log
