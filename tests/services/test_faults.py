"""Faults under a steady load: each test breaks one part while families keep using the portal.

The portal runs as in production: gunicorn (2 workers, production settings) in front of a
PostgreSQL cluster and a Redis server that this module owns (``instances.py``: the machine's
shared servers are never stopped), a real ``celery worker`` sending through the twilio SDK to
a fake provider and through SMTP, and ``celery beat`` re-enqueuing stuck messages. ``Load``
sends a steady mix of page views and forms that send an SMS or an e-mail.

Each test asserts, for its fault:

- no 5xx (nor a request left unanswered) outside the fault window, which ends ``GRACE`` after
  the broken part answers again; inside it, a 5xx must be the portal's own error page;
- every form the portal answered "sent" gave exactly one message at the provider or the SMTP
  server, and a form that failed gave at most one; every message ends ``sent``;
- nothing is restarted by hand: the same gunicorn and the same worker (except where the worker
  itself is the fault) carry on.

Figures are printed (``-s`` or a failing test shows them), so a red CI log explains itself.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.services.fake_twilio import Answer, FakeTwilio
from tests.services.fault_stack import (
    PARENTS,
    SECRET_KEY,
    SMTP_DOWN_SECONDS,
    Stack,
    Window,
    judge_batch,
    judge_mails,
    judge_messages,
    judge_requests,
    manage,
    run_under_load,
    suite_server_url,
    unavailable,
)
from tests.services.instances import (
    PostgresCluster,
    RedisServer,
    ServerUnavailable,
    SharedDatabase,
)
from tests.services.load import (
    PAGE,
    PASSWORD_EMAIL,
    PASSWORD_SMS,
    ParentPool,
    django_command,
    lost_mobile,
    seed_command,
)
from tests.services.smtp_server import SmtpServer
from tests.services.workers import free_port, start_gunicorn, stop_process, wait_for


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("faults")
    postgres, redis_server = PostgresCluster(), RedisServer(root / "redis")
    fake = FakeTwilio().start()
    stack = Stack(
        root=root,
        postgres=postgres,
        redis=redis_server,
        fake=fake,
        smtp_port=free_port(),
        env={},
        pool=ParentPool(PARENTS),
    )
    try:
        try:
            redis_server.start()
        except ServerUnavailable as error:
            unavailable(str(error))
        try:
            postgres.create()
        except ServerUnavailable as error:
            # Every fault but PostgreSQL's own restart can run on a database of the suite's server.
            print(f"no private PostgreSQL cluster ({error}): a database on the suite's server")
            stack.postgres = postgres = SharedDatabase(suite_server_url())
            postgres.create()
        stack.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(root),
            "DJANGO_SETTINGS_MODULE": "educonnect.settings",
            "SECRET_KEY": SECRET_KEY,
            "SMS_CONSOLE_ALLOWED": "true",  # gunicorn sends nothing; the workers use twilio
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": postgres.database_url(),
            "REDIS_URL": redis_server.url,
            "VAR_DIR": str(root / "var"),
            "STATIC_ROOT": str(root / "static"),
            "SECURE_PROXY_SSL_HEADER": "true",
            "TRUSTED_PROXY_COUNT": "1",
            "PYTHONUNBUFFERED": "1",
        }
        started = time.monotonic()
        manage(stack.env, "manage.py", "migrate", "--no-input", "-v0")
        manage(stack.env, *seed_command(PARENTS))
        manage(stack.env, "manage.py", "collectstatic", "--no-input", "-v0")
        stack.gunicorn, stack.base_url = start_gunicorn(stack.env, root / "gunicorn.log")
        print(f"stack ready in {time.monotonic() - started:.1f} s ({PARENTS} parents seeded)")
        yield stack
    finally:
        stack.stop_sending()
        if stack.gunicorn is not None:
            stop_process(stack.gunicorn)
        redis_server.stop()
        postgres.drop()
        fake.stop()


@pytest.fixture
def services(stack: Stack) -> Iterator[Stack]:
    """Per test: an empty broker, a fresh fake provider record; worker and beat stopped after."""
    stack.fake.reset()
    stack.fake.latency = 0.0
    if stack.redis.is_up():
        stack.redis.flush()
    try:
        yield stack
    finally:
        stack.stop_sending()
        if not stack.redis.is_up():
            stack.redis.start()
        if not stack.postgres.is_up():
            stack.postgres.start()
        print(
            "----- gunicorn -----\n"
            + (stack.root / "gunicorn.log").read_text(errors="replace")[-4000:]
        )


# --- the faults ---------------------------------------------------------------------------------


def test_a_redis_restart_loses_and_duplicates_no_message(services: Stack) -> None:
    """The same worker process rides the restart out (no supervisor, nobody restarts it) and
    sends what is queued after it (educonnect/broker.py: the crash this used to be)."""
    services.fake.latency = 0.3  # sends in flight (unacknowledged tasks) when Redis goes
    worker = services.start_worker()
    services.start_beat()
    redis_server = services.redis

    def restart_redis() -> Window:
        wait_for(
            lambda: services.fake.request_count > services.fake.message_count,
            what="a send in flight at the provider",
            interval=0.01,
        )
        started = time.monotonic()
        redis_server.stop()
        time.sleep(3)  # the outage itself
        redis_server.start()
        return Window(started, time.monotonic())

    load, window = run_under_load(services, restart_redis)

    judge_requests("redis restart", load, window)
    judge_messages("redis restart", services, load.snapshot()[1])
    after = [
        action
        for action in load.snapshot()[1]
        if action.sends and action.was_accepted and action.started_at > window.back_at
    ]
    print(f"[redis restart] {len(after)} messages queued after Redis was back, worker {worker.pid}")
    assert after, "no message was queued after the restart: the test proved nothing"
    assert worker.is_running(), f"the worker exited:\n{worker.log()[-3000:]}"
    assert [w.pid for w in services.workers] == [worker.pid]  # nobody started another
    assert "Unrecoverable error" not in worker.log()
    assert services.gunicorn is not None and services.gunicorn.poll() is None


def test_a_redis_that_comes_back_empty_loses_no_request_and_no_message(services: Stack) -> None:
    """Redis restarted without its data (a server run without persistence, or a new one) while
    tasks wait in its queue: the requests and messages they carried are in the database
    (``recovery/outbox.py``, ``notifications.housekeeping``), and beat enqueues them again."""
    services.fake.latency = 3.0  # 8 threads: under 3 sends/s, so tasks wait in the queue
    worker = services.start_worker()
    services.start_beat()
    redis_server = services.redis
    wiped: list[list[str]] = []

    def waiting() -> list[str]:
        names = redis_server.queued()
        kinds = {name.split(".")[0] for name in names if ".deliver_" in name or ".send_" in name}
        return names if kinds >= {"recovery", "notifications"} else []

    def restart_redis_empty() -> Window:
        # Both kinds wait: a family's request (its lookup not done) and a message to send. The
        # worker is paused from the moment the queue is read until Redis is back empty, so what
        # the queue held is exactly what Redis forgets: a task the worker took in between would
        # not be lost, and the test would not test the loss.
        while True:
            wait_for(waiting, what="requests and messages waiting", interval=0.02)
            os.killpg(worker.pid, signal.SIGSTOP)
            names = waiting()
            if names:
                break
            os.killpg(worker.pid, signal.SIGCONT)
        wiped.append(names)
        started = time.monotonic()
        try:
            redis_server.stop()
            redis_server.forget()
            redis_server.start()
        finally:
            os.killpg(worker.pid, signal.SIGCONT)
        return Window(started, time.monotonic())

    load, window = run_under_load(services, restart_redis_empty)

    judge_requests("redis comes back empty", load, window)
    judge_messages("redis comes back empty", services, load.snapshot()[1], timeout=90)
    print(f"[redis comes back empty] it forgot these waiting tasks: {wiped[0]}")
    worker_log = "\n".join(worker.log() for worker in services.workers)
    assert re.search(r"re-enqueued \d+ requests whose task was lost", worker_log)
    assert re.search(r"re-enqueued \d+ stuck notifications", worker_log)


def test_a_postgresql_restart_loses_and_duplicates_no_message(services: Stack) -> None:
    if not services.postgres.can_restart:
        unavailable("no private PostgreSQL cluster could run here (needs root or postgres)")
    worker = services.start_worker()
    services.start_beat()
    postgres = services.postgres

    def restart_postgres() -> Window:
        started = time.monotonic()
        postgres.stop()
        time.sleep(3)  # the outage itself
        postgres.start()
        return Window(started, time.monotonic())

    load, window = run_under_load(services, restart_postgres)

    judge_requests("postgresql restart", load, window)
    judge_messages("postgresql restart", services, load.snapshot()[1])
    assert worker.is_running()
    assert services.gunicorn is not None and services.gunicorn.poll() is None


def test_emails_queued_while_smtp_is_down_for_a_minute_arrive_once(services: Stack) -> None:
    services.start_worker()
    services.start_beat()
    before, after = SmtpServer(services.smtp_port), SmtpServer(services.smtp_port)
    before.start()

    def smtp_down() -> Window:
        started = time.monotonic()
        before.stop()
        time.sleep(SMTP_DOWN_SECONDS)  # the outage itself
        after.start()
        return Window(started, time.monotonic(), affects_web=False)

    try:
        load, window = run_under_load(
            services, smtp_down, mix=(PAGE, PASSWORD_EMAIL, PAGE, PAGE, PASSWORD_SMS, PAGE), after=4
        )
        judge_requests("smtp down", load, window)
        judge_messages("smtp down", services, load.snapshot()[1])
        print(
            f"[smtp down] down {SMTP_DOWN_SECONDS:.0f} s; every e-mail sent "
            f"{time.monotonic() - window.back_at:.1f} s after it was back"
        )
        judge_mails(services, load.snapshot()[1], before.received + after.received)
        assert after.handler.count > 0
    finally:
        before.stop()
        after.stop()


@pytest.mark.parametrize(
    "answer", [Answer.server_error(), Answer.too_many_requests()], ids=["5xx", "429"]
)
def test_a_provider_storm_ends_with_every_sms_sent_once(services: Stack, answer: Answer) -> None:
    services.start_worker()
    services.start_beat()

    def storm() -> Window:
        started = time.monotonic()
        services.fake.script(*[answer] * 50)
        wait_for(lambda: services.fake.scripted_left == 0, timeout=60, what="the storm to pass")
        return Window(started, time.monotonic(), affects_web=False)

    load, window = run_under_load(services, storm)

    judge_requests(f"provider {answer.status}", load, window)
    judge_messages(f"provider {answer.status}", services, load.snapshot()[1])
    errors = services.fake.request_count - services.fake.message_count
    destinations = [action.destination for action in load.snapshot()[1]]
    most = max(row[5] for row in services.rows(destinations))
    print(
        f"[provider {int(answer.status)}] answered {int(answer.status)} {errors} times, then "
        f"accepted; the most tried message took {most} attempts"
    )
    assert errors == 50
    assert most > 1


def test_a_worker_killed_mid_batch_loses_and_duplicates_no_message(services: Stack) -> None:
    services.fake.latency = 0.5
    first = services.start_worker()
    services.start_beat()
    batch = [lost_mobile(1000 + index) for index in range(40)]
    killed: dict[str, int] = {}

    def kill_worker() -> Window:
        manage(services.env, *django_command(f"send_batch(1000, {len(batch)})"))
        wait_for(
            lambda: services.fake.request_count - services.fake.message_count >= 6,
            what="several messages in flight at the provider",
        )
        started = time.monotonic()
        killed["in_flight"] = services.fake.request_count - services.fake.message_count
        first.kill()
        killed["sent"] = len([m for m in list(services.fake.messages) if m.to in batch])
        services.start_worker()
        return Window(started, time.monotonic())

    load, window = run_under_load(services, kill_worker)

    print(
        f"[worker killed] SIGKILL with {killed['in_flight']} sends in flight, "
        f"{killed['sent']} of the batch of {len(batch)} sent before"
    )
    judge_requests("worker killed", load, window)
    judge_messages("worker killed", services, load.snapshot()[1])
    judge_batch("worker killed", services, batch)
    assert not first.is_running()


def test_a_beat_restart_keeps_housekeeping_going_without_double_effects(services: Stack) -> None:
    worker = services.start_worker()
    first = services.start_beat()
    lost = 20

    def log_of(beat: subprocess.Popen[bytes]) -> str:
        return beat.log_path.read_text(errors="replace")

    def restart_beat() -> Window:
        wait_for(lambda: "requeue-stuck" in log_of(first), what="beat to run the housekeeping")
        started = time.monotonic()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        # Messages whose task the broker lost, found only by beat's housekeeping.
        manage(services.env, *django_command(f"create_lost_messages({lost})"))
        second = services.start_beat()
        wait_for(lambda: log_of(second).count("requeue-stuck") >= 2, what="the new beat to run it")
        return Window(started, time.monotonic())

    load, window = run_under_load(services, restart_beat)

    judge_requests("beat restart", load, window)
    judge_messages("beat restart", services, load.snapshot()[1])
    mobiles = [lost_mobile(index) for index in range(lost)]
    judge_batch("beat restart", services, mobiles)
    requeued = sum(
        int(count) for count in re.findall(r"re-enqueued (\d+) stuck notifications", worker.log())
    )
    tokens = [f"notification-{row[0]}" for row in services.rows(mobiles)]
    calls = {token: len(services.fake.requests_with_token(token)) for token in tokens}
    print(
        f"[beat restart] {lost} lost messages, {requeued} re-enqueues, "
        f"provider calls per message {set(calls.values())}"
    )
    assert requeued == lost
    assert set(calls.values()) == {1}
    assert all(len(services.fake.messages_with_token(token)) == 1 for token in tokens)
