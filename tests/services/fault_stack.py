"""The fault tests' stack and judges (tests/services/test_faults.py): a PostgreSQL cluster,
a Redis server, gunicorn, a Celery worker and beat that the tests own, and the checks that no
request failed outside a fault window and no message was lost or duplicated."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from tests.services.fake_twilio import FakeTwilio
from tests.services.instances import (
    PostgresCluster,
    RedisServer,
    SharedDatabase,
)
from tests.services.load import (
    IDENTIFIER_SMS,
    PAGE,
    PASSWORD_SMS,
    Action,
    Hit,
    Load,
    ParentPool,
)
from tests.services.smtp_server import ReceivedMail
from tests.services.workers import (
    PROJECT_DIR,
    Worker,
    start_beat,
    start_worker,
    stop_process,
    wait_for,
    worker_environment,
)

# Reconnecting after a restart: Django opens a new connection at the next request (health
# checks on), redis-py reconnects at the next command, Celery's consumer retries every ~1-2 s.
GRACE = 5.0
RATE = 8.0  # actions per second; about 13 HTTP requests per second with the form GETs
SMTP_DOWN_SECONDS = float(os.environ.get("FAULT_SMTP_DOWN_SECONDS", "60"))
PARENTS = 1000  # about 600 used by the whole module
SECRET_KEY = "faults-production-like-" + "k" * 50
# Sending-side timings shortened for the tests (production: 5 s, 120 s, 600 s, 900 s). The
# stuck delay stays above the longest retry countdown (2**4 s with a 1 s backoff) so beat does
# not re-enqueue a message that is only waiting for its retry.
SENDING_ENV = {
    "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1",
    "NOTIFICATION_SEND_LEASE_SECONDS": "5",
    "NOTIFICATION_STUCK_AFTER_SECONDS": "20",
    "CELERY_VISIBILITY_TIMEOUT": "30",
}
SMS_MIX = (PAGE, PASSWORD_SMS, PAGE, IDENTIFIER_SMS)


# --- the stack ----------------------------------------------------------------------------------


@dataclass
class Stack:
    """Everything the module runs; tests start their worker(s) and beat through it."""

    root: Path
    postgres: PostgresCluster | SharedDatabase
    redis: RedisServer
    fake: FakeTwilio
    smtp_port: int
    env: dict[str, str]
    pool: ParentPool
    base_url: str = ""
    gunicorn: subprocess.Popen[bytes] | None = None
    workers: list[Worker] = field(default_factory=list)
    beats: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def smtp_url(self) -> str:
        return f"smtp://127.0.0.1:{self.smtp_port}?timeout=5"

    def sending_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return worker_environment(
            fake_twilio=self.fake,
            email_url=self.smtp_url,
            extra={**self.env, **SENDING_ENV, **(extra or {})},
        )

    def start_worker(self, **env: str) -> Worker:
        number = len(self.workers) + 1
        worker = start_worker(
            self.sending_env(env),
            self.root / f"worker-{number}-{time.time():.0f}.log",
            concurrency=8,
        )
        self.workers.append(worker)
        return worker

    def start_beat(self, **env: str) -> subprocess.Popen[bytes]:
        number = len(self.beats) + 1
        log_path = self.root / f"beat-{number}-{time.time():.0f}.log"
        beat = start_beat(
            self.sending_env({"BEAT_REQUEUE_EVERY_SECONDS": "1", **env}),
            log_path,
            schedule=self.root / "beat-schedule",
        )
        beat.log_path = log_path
        self.beats.append(beat)
        return beat

    def stop_sending(self) -> None:
        for worker in self.workers:
            worker.stop()
        for beat in self.beats:
            stop_process(beat)
        for worker in self.workers:
            print(f"----- worker {worker.pid} -----\n{worker.log()[-6000:]}")
        for beat in self.beats:
            print(
                f"----- beat {beat.pid} -----\n{beat.log_path.read_text(errors='replace')[-3000:]}"
            )
        self.workers.clear()
        self.beats.clear()

    def rows(self, destinations: list[str]) -> list[tuple[int, str, str, str, str, int]]:
        """(id, channel, destination, template, status, attempts) of their notifications."""
        with psycopg.connect(self.postgres.database_url(), connect_timeout=5) as conn:
            return conn.execute(
                "SELECT id, channel, destination, template, status, attempts "
                "FROM notifications_notification WHERE destination = ANY(%s) ORDER BY id",
                (destinations,),
            ).fetchall()


def unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
        pytest.fail(f"REQUIRE_REAL_SERVICES=1 but the fault tests cannot run: {reason}")
    pytest.skip(f"fault tests not run: {reason}")


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, *args], cwd=PROJECT_DIR, env=env, check=True)


def suite_server_url() -> str:
    database = connection.settings_dict
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or "5432"
    return f"postgres://{quote(database['USER'] or '', safe='')}{password}@{host}:{port}/"


# --- judging a run ----------------------------------------------------------------------------


@dataclass
class Window:
    """When the fault began and when the broken part answered again (monotonic seconds)."""

    started_at: float
    back_at: float
    affects_web: bool = True  # False: the pages never need the broken part, so no 5xx at all

    def covers(self, hit: Hit) -> bool:
        return (
            self.affects_web
            and hit.finished_at >= self.started_at
            and hit.started_at <= self.back_at + GRACE
        )


def run_under_load(
    stack: Stack, fault: Callable[[], Window], *, mix: tuple[str, ...] = SMS_MIX, after: float = 6
) -> tuple[Load, Window]:
    """Load before, during and ``after`` seconds past the fault's grace period."""
    load = Load(stack.base_url, stack.pool, mix, rate=RATE)
    with load:
        wait_for(lambda: load.accepted_since(load.started_at) >= 5, what="the load to flow")
        window = fault()
        settled = window.back_at + GRACE
        wait_for(
            lambda: load.accepted_since(settled) >= RATE * after / 4,
            timeout=after + 30,
            what="forms to be accepted again after the fault",
        )
    return load, window


def judge_requests(name: str, load: Load, window: Window) -> None:
    hits, actions = load.snapshot()
    errors_in = [hit for hit in hits if hit.is_server_error and window.covers(hit)]
    errors_out = [hit for hit in hits if hit.is_server_error and not window.covers(hit)]
    unclean = [hit for hit in errors_in if not hit.is_clean_error]
    accepted_after = sorted(
        action.started_at
        for action in actions
        if action.was_accepted and action.started_at >= window.back_at
    )
    recovery = accepted_after[0] - window.back_at if accepted_after else float("nan")
    print(
        f"[{name}] {len(hits)} requests over {load.stopped_at - load.started_at:.1f} s, "
        f"{len(actions)} forms ({sum(a.was_accepted for a in actions)} accepted); "
        f"fault window {window.back_at - window.started_at:.1f} s + {GRACE:.0f} s grace; "
        f"5xx/no answer: {len(errors_in)} in window ({len(unclean)} not the error page), "
        f"{len(errors_out)} outside; first form accepted {recovery:.2f} s after the part was back"
    )
    assert errors_out == [], f"5xx outside the fault window: {errors_out[:5]}"
    assert unclean == [], f"a 5xx in the window was not the portal's error page: {unclean[:5]}"


def judge_messages(name: str, stack: Stack, actions: list[Action], *, timeout: float = 60) -> None:
    """Exactly one message per accepted form, at most one per failed one, all sent once."""
    sending = [action for action in actions if action.sends is not None]
    destinations = [action.destination for action in sending]
    started = time.monotonic()

    def settled() -> bool:
        rows = stack.rows(destinations)
        by_destination = {row[2] for row in rows}
        accepted_done = all(a.destination in by_destination for a in sending if a.was_accepted)
        return accepted_done and all(row[4] == "sent" for row in rows)

    try:
        wait_for(settled, timeout=timeout, interval=0.5, what="every message to be sent")
    finally:
        rows = stack.rows(destinations)
        statuses: dict[str, int] = {}
        for row in rows:
            statuses[row[4]] = statuses.get(row[4], 0) + 1
        print(
            f"[{name}] messages: {len(sending)} forms that send, "
            f"{sum(a.was_accepted for a in sending)} accepted; {len(rows)} notifications "
            f"{statuses}; provider: {stack.fake.message_count} accepted / "
            f"{stack.fake.request_count} calls; settled {time.monotonic() - started:.1f} s "
            f"after the load stopped"
        )
    rows_by_destination: dict[str, list[tuple]] = {}
    for row in rows:
        rows_by_destination.setdefault(row[2], []).append(row)
    for action in sending:
        found = rows_by_destination.get(action.destination, [])
        channel, template = action.sends
        assert [(row[1], row[3]) for row in found] in ([(channel, template)], []), (action, found)
    lost = [a for a in sending if a.was_accepted and not rows_by_destination.get(a.destination)]
    assert lost == [], f"lost (accepted, no notification): {lost}"
    sms_rows = [row for row in rows if row[1] == "sms"]
    for row in sms_rows:
        accepted = stack.fake.messages_with_token(f"notification-{row[0]}")
        assert len(accepted) == 1, f"notification {row[0]} accepted {len(accepted)} times"
    to_mobiles: dict[str, int] = {}
    for message in [m for m in list(stack.fake.messages) if m.to in destinations]:
        to_mobiles[message.to] = to_mobiles.get(message.to, 0) + 1
    duplicates = {mobile: count for mobile, count in to_mobiles.items() if count > 1}
    assert duplicates == {}, f"duplicated SMS: {duplicates}"
    assert sum(to_mobiles.values()) == len(sms_rows)


def judge_mails(stack: Stack, actions: list[Action], received: list[ReceivedMail]) -> None:
    """Every e-mail notification arrived once, by its stable Message-ID."""
    rows = stack.rows([action.destination for action in actions if action.sends is not None])
    expected = {f"<notification-{row[0]}@" for row in rows if row[1] == "email"}
    arrived = [str(mail.message()["Message-ID"]).split("@")[0] + "@" for mail in received]
    lost = expected - set(arrived)
    duplicated = {message_id for message_id in arrived if arrived.count(message_id) > 1}
    print(f"SMTP: {len(expected)} e-mails expected, {len(arrived)} received")
    assert lost == set(), f"e-mails never received: {sorted(lost)}"
    assert duplicated == set(), f"e-mails received more than once: {sorted(duplicated)}"
    assert set(arrived) == expected


def judge_batch(name: str, stack: Stack, mobiles: list[str]) -> None:
    """Messages made outside the load (a batch, lost tasks): all sent, each accepted once by
    the provider and each mobile texted once, whatever the number of attempts."""
    wait_for(
        lambda: (
            all(row[4] == "sent" for row in stack.rows(mobiles))
            and len(stack.rows(mobiles)) == len(mobiles)
        ),
        timeout=40,
        interval=0.5,
        what=f"the {len(mobiles)} messages of the batch to be sent",
    )
    rows = stack.rows(mobiles)
    accepted = [len(stack.fake.messages_with_token(f"notification-{row[0]}")) for row in rows]
    calls = [len(stack.fake.requests_with_token(f"notification-{row[0]}")) for row in rows]
    delivered = [message.to for message in list(stack.fake.messages) if message.to in mobiles]
    print(
        f"[{name}] batch of {len(mobiles)}: {len(delivered)} SMS at the provider, "
        f"provider calls per message {sorted(set(calls))} (a repeat carries the same token)"
    )
    assert set(accepted) == {1}
    assert sorted(delivered) == sorted(mobiles), "an SMS of the batch was lost or duplicated"
