"""Two machines: two web nodes (each its own gunicorn on its own port, two workers each), two
Celery workers and two beats on one PostgreSQL and one Redis, and a client alternating between
the nodes as a load balancer would send it. Every limit is exact across them (the limit, not
twice it), a session opened on one node works on the other, a second beat sends nothing twice,
and the fake provider receives each message once (docs/OPERATIONS.md).

The nodes run with ``DEBUG`` on (plain-HTTP cookies, which a client keeps across ports) behind
one simulated proxy (``X-Forwarded-For``), each test with its own client address.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import AuditEvent, Establishment, User
from core.ratelimits import IDENTIFIER_POLICY, _login_key
from notifications import secret_box
from notifications.models import Notification
from recovery.codes import MAX_ATTEMPTS
from recovery.models import VerificationCode
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student
from tests.services.fake_twilio import FakeTwilio
from tests.services.workers import (
    Worker,
    flush_redis,
    forget_budget_counters,
    start_beat,
    start_gunicorn,
    start_worker,
    stop_process,
    wait_for,
    worker_environment,
)

pytestmark = pytest.mark.django_db(transaction=True)

SMS_BUDGET = 3  # the global hourly budget of reset codes, for the whole deployment
METRICS_TOKEN = "two-nodes-" + "m" * 40
CACHE_KEY_PREFIX = "educonnect:1:"  # settings.CACHES' KEY_PREFIX and Django's key version


@dataclass
class Cluster:
    nodes: list[str]
    fake: FakeTwilio
    workers: list[Worker]
    beats: list[tuple[subprocess.Popen[bytes], Path]]
    gunicorns: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def beat_log(self, number: int) -> str:
        return self.beats[number][1].read_text(errors="replace")

    def scrape(self, node: int) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        response = requests.get(
            f"{self.nodes[node]}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            timeout=30,
        )
        assert response.status_code == HTTPStatus.OK
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }


@pytest.fixture(scope="module")
def cluster(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("two-nodes")
    flush_redis()
    fake = FakeTwilio().start()
    shared = {
        "SECRET_KEY": settings.SECRET_KEY,  # one key for every node: sessions, CSRF, hashes
        "DEBUG": "true",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUSTED_PROXY_COUNT": "1",
        "VAR_DIR": str(root / "var"),
        "METRICS_TOKEN": METRICS_TOKEN,
        "SMS_BUDGET_GLOBAL_PER_HOUR": str(SMS_BUDGET),
        "BEAT_REQUEUE_EVERY_SECONDS": "1",
        "NOTIFICATION_STUCK_AFTER_SECONDS": "5",
        "LOG_LEVEL": "INFO",
    }
    env = worker_environment(fake_twilio=fake, extra=shared)
    cluster = Cluster(nodes=[], fake=fake, workers=[], beats=[])
    try:
        for number in (1, 2):
            log = root / f"gunicorn-{number}.log"
            process, base = start_gunicorn(env, log, workers=2, threads=2)
            cluster.gunicorns.append((process, log))
            cluster.nodes.append(base)
            cluster.workers.append(start_worker(env, root / f"worker-{number}.log"))
        for number in (1, 2):
            log = root / f"beat-{number}.log"
            beat = start_beat(env, log, schedule=root / f"beat-{number}-schedule")
            cluster.beats.append((beat, log))
        yield cluster
    finally:
        for worker in cluster.workers:
            worker.stop()
        for process, log in cluster.gunicorns + cluster.beats:
            stop_process(process)
            print(f"----- {log.name} -----\n{log.read_text(errors='replace')[-3000:]}")
        for worker in cluster.workers:
            print(f"----- worker {worker.pid} -----\n{worker.log()[-3000:]}")
        fake.stop()
        flush_redis()


@pytest.fixture
def fake(cluster: Cluster) -> Iterator[FakeTwilio]:
    """The provider's record of this test alone; after it, every message was sent once. The
    budget starts each test whole, as the notification log it counts does."""
    cluster.fake.reset()
    forget_budget_counters()
    yield cluster.fake
    tokens = [message.idempotency_token for message in list(cluster.fake.messages)]
    assert len(tokens) == len(set(tokens)), "a message was accepted twice"
    for token in tokens:
        assert len(cluster.fake.requests_with_token(token)) == 1, f"{token} was sent twice"


class Browser:
    """One person's browser (one cookie jar, one address) sent to either node."""

    def __init__(self, cluster: Cluster, address: str) -> None:
        self.cluster = cluster
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = address

    def get(self, node: int, path: str) -> requests.Response:
        return self.session.get(
            f"{self.cluster.nodes[node]}{path}", allow_redirects=False, timeout=60
        )

    def post(self, node: int, path: str, data: dict[str, str]) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get(node, path)
        token = self.session.cookies.get("csrftoken", "")
        return self.session.post(
            f"{self.cluster.nodes[node]}{path}",
            data={"csrfmiddlewaretoken": token, **data},
            allow_redirects=False,
            timeout=60,
        )


def family(college: Establishment, number: int) -> User:
    guardian = make_guardian(college, mobile=f"+336{number:08d}")
    return make_parent_account(guardian, student=make_student(college))


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# --- limits --------------------------------------------------------------------------------


def test_a_rate_limit_is_the_limit_across_both_nodes_not_twice_it(cluster: Cluster) -> None:
    browser = Browser(cluster, "10.17.0.1")
    before = cluster.scrape(1)
    statuses = [
        browser.post(
            n % 2, "/mot-de-passe-perdu/", {"identifier": "personne.absente1", "channel": "sms"}
        ).status_code
        for n in range(8)
    ]
    # RATE_LIMITS["forgot_password"]: 5 per 15 minutes per identifier, wherever they land.
    assert statuses == [HTTPStatus.FOUND] * 5 + [HTTPStatus.TOO_MANY_REQUESTS] * 3
    # Counted on both nodes, read from one (core/metrics.py keeps the totals in Redis).
    after = cluster.scrape(1)
    name, labels = "portal_rate_limited_total", {"policy": "forgot_password"}
    assert value(after, name, **labels) - value(before, name, **labels) == 3


def test_the_login_throttle_and_lock_count_once_across_both_nodes(
    cluster: Cluster, college: Establishment
) -> None:
    browser = Browser(cluster, "10.17.0.2")
    slowed = family(college, 1701)
    login = "/connexion/"
    wrong = {"identifier": slowed.identifier, "password": "Pas-Le-Bon-2026!"}
    statuses = [browser.post(n % 2, login, wrong).status_code for n in range(4)]
    # From the 3rd failure each try waits (2 s): the 4th, on the other node, is refused.
    assert IDENTIFIER_POLICY.delay_after == 3
    assert statuses == [HTTPStatus.BAD_REQUEST] * 3 + [HTTPStatus.TOO_MANY_REQUESTS]

    # The lock after 10 failures, without waiting out the delays (2 + 4 + … + 60 s): 9
    # failures already counted in Redis, as a node counts them, with no delay left.
    locked = family(college, 1702)
    key = f"{CACHE_KEY_PREFIX}{_login_key('identifier', locked.identifier)}:n"
    redis.Redis.from_url(settings.REDIS_URL).set(key, IDENTIFIER_POLICY.lock_after - 1, ex=900)
    other = Browser(cluster, "10.17.0.3")
    wrong = {"identifier": locked.identifier, "password": "Pas-Le-Bon-2026!"}
    assert other.post(0, login, wrong).status_code == HTTPStatus.BAD_REQUEST  # the 10th
    right = {"identifier": locked.identifier, "password": DEMO_PASSWORD}
    assert other.post(1, login, right).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert other.post(0, login, right).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.LOGIN_LOCKED).count() == 1


def test_the_sms_budget_is_the_budget_across_both_nodes_and_workers(
    cluster: Cluster, college: Establishment, fake: FakeTwilio
) -> None:
    parents = [family(college, 1710 + n) for n in range(SMS_BUDGET + 2)]
    before = cluster.scrape(0)
    for n, parent in enumerate(parents):
        browser = Browser(cluster, f"10.17.1.{n + 1}")
        response = browser.post(
            n % 2, "/mot-de-passe-perdu/", {"identifier": parent.identifier, "channel": "sms"}
        )
        assert response.status_code == HTTPStatus.FOUND
        # One at a time: the budget counts the log, which the previous request has written.
        wait_for(
            lambda n=n: Notification.objects.filter(user__in=parents).count() == n + 1,
            what="the worker to log the reset code",
        )
    wait_for(
        lambda: not Notification.objects.filter(status__in=["queued", "sending"]).exists(),
        what="every code to be sent or blocked",
    )
    statuses = sorted(Notification.objects.values_list("status", flat=True))
    assert statuses == ["blocked"] * 2 + ["sent"] * SMS_BUDGET
    assert fake.message_count == SMS_BUDGET
    after = cluster.scrape(1)
    name, labels = "portal_codes_blocked_total", {"channel": "sms", "reason": "budget"}
    assert value(after, name, **labels) - value(before, name, **labels) == 2
    assert value(after, "portal_notifications", channel="sms", status="blocked") == 2
    assert value(after, "portal_queue_depth", channel="sms") == 0


def test_a_codes_wrong_tries_are_counted_once_across_both_nodes(
    cluster: Cluster, college: Establishment, fake: FakeTwilio
) -> None:
    parent = family(college, 1720)
    browser = Browser(cluster, "10.17.2.1")
    response = browser.post(
        0, "/mot-de-passe-perdu/", {"identifier": parent.identifier, "channel": "sms"}
    )
    assert response.status_code == HTTPStatus.FOUND
    message = wait_for(
        lambda: next((m for m in list(fake.messages) if m.to == "+33600001720"), None),
        what="the code at the provider",
    )
    code = re.search(r"\b(\d{6})\b", message.body)
    assert code is not None
    wrong = [f"{(int(code.group(1)) + n) % 10**6:06d}" for n in range(1, 8)]
    for n, guess in enumerate(wrong):
        browser.post(n % 2, "/mot-de-passe-perdu/verification/", {"code": guess})
    row = VerificationCode.objects.get(user=parent)
    assert row.attempts == MAX_ATTEMPTS == 5  # seven guesses, five counted, on both nodes
    answer = browser.post(1, "/mot-de-passe-perdu/verification/", {"code": code.group(1)})
    assert answer.headers.get("Location") != reverse("recovery:forgot_password_new")
    assert VerificationCode.objects.get(pk=row.pk).attempts == MAX_ATTEMPTS


# --- sessions, beat, sending -----------------------------------------------------------------


def test_a_session_opened_on_one_node_works_on_the_other(
    cluster: Cluster, college: Establishment
) -> None:
    parent = family(college, 1730)
    browser = Browser(cluster, "10.17.3.1")
    response = browser.post(
        0, "/connexion/", {"identifier": parent.identifier, "password": DEMO_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    page = browser.get(1, "/mon-compte/")
    assert page.status_code == HTTPStatus.OK
    assert parent.identifier in page.text
    assert browser.post(1, "/deconnexion/", {}).status_code == HTTPStatus.FOUND
    assert browser.get(0, "/mon-compte/").status_code == HTTPStatus.FOUND  # to the login


def test_two_beats_by_mistake_still_send_each_lost_message_once(
    cluster: Cluster, fake: FakeTwilio
) -> None:
    """The deployment runs one beat (docs/OPERATIONS.md); here two fire ``requeue_stuck``
    every second and the worker's claim still sends each message once."""
    lost = Notification.objects.bulk_create(
        Notification(
            channel="sms",
            destination=f"+3369{1740 + n:07d}",
            template="password_reset_code",
            body="Portail des familles : votre code est ••••••.",
            secret_payload=secret_box.seal({"subject": "", "text": "Code 424242", "html": ""}),
        )
        for n in range(6)
    )
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk__in=[row.pk for row in lost]).update(updated_at=an_hour_ago)
    wait_for(
        lambda: Notification.objects.filter(status="sent").count() == len(lost),
        timeout=60,
        what="beat to re-enqueue the lost messages and a worker to send them",
    )
    assert sorted(m.to for m in list(fake.messages)) == sorted(row.destination for row in lost)
    for row in lost:
        assert len(fake.requests_with_token(f"notification-{row.pk}")) == 1
    for number in (0, 1):
        assert "notifications.requeue_stuck" in cluster.beat_log(number)  # both beats fired
