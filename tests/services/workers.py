"""Helpers for the real-services suite: a real ``celery worker`` subprocess and polling.

The worker gets the test process's environment, pointed at the pytest test database (so it
sees the rows a ``transaction=True`` test commits), the suite's Redis and, when given, the fake
Twilio provider and a local SMTP server. It runs in its own process group so a test can
SIGKILL it whole, like an out-of-memory kill or a lost container; teardown always stops it and
prints its log, which pytest shows only for a failing test.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import redis
from django.conf import settings
from django.db import connection

from tests.services.fake_twilio import FakeTwilio

PROJECT_DIR = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 30.0
T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1, what: str = ""
) -> T:
    """Poll ``predicate`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)


def holds_for(predicate: Callable[[], object], *, seconds: float, interval: float = 0.1) -> bool:
    """True when ``predicate`` stays truthy for ``seconds`` (to show that nothing else comes)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not predicate():
            return False
        time.sleep(interval)
    return bool(predicate())


def free_port() -> int:
    """A TCP port nothing listens on right now (for a server started later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_database_url() -> str:
    """``DATABASE_URL`` of the database pytest-django created (``test_<name>``)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def flush_redis() -> None:
    """Empty the suite's Redis database (only this one: other runs use other numbers)."""
    redis.Redis.from_url(settings.REDIS_URL).flushdb()


def forget_budget_counters() -> None:
    """Drop the global message budget's counters (``notifications.budget``) and nothing else:
    they outlive a test's database rows, which the next test's budget would otherwise still
    count, while the running workers' broker keys in the same database must stay."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match="*:budget:*"):
        client.delete(key)


def worker_environment(
    *,
    fake_twilio: FakeTwilio | None = None,
    email_url: str = "",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "educonnect.settings",
            "DATABASE_URL": worker_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "NOTIFICATION_RETRY_BACKOFF_SECONDS": "1",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for name in ("CELERY_BROKER_URL", "EMAIL_URL", "TWILIO_MESSAGING_SERVICE_SID"):
        env.pop(name, None)
    if fake_twilio is not None:
        env.update(
            {
                "SMS_BACKEND": "twilio",
                "TWILIO_API_BASE_URL": fake_twilio.base_url,
                "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
                "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
                "TWILIO_FROM_NUMBER": "+33700000001",
                "TWILIO_STATUS_CALLBACK_URL": settings.TWILIO_STATUS_CALLBACK_URL,
            }
        )
    if email_url:
        env["EMAIL_URL"] = email_url
    env.update(extra or {})
    return env


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM the process group, then SIGKILL if it does not go in time."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        process.wait(timeout=timeout)


def start_gunicorn(
    env: dict[str, str],
    log_path: Path,
    *,
    workers: int = 2,
    threads: int = 1,
    access_log: bool = False,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as docker-compose runs it (from the project directory, so with its
    gunicorn.conf.py), in its own process group; returns once /healthz answers, with the
    process and its base URL. ``threads`` > 1 serves requests of one worker in parallel;
    ``access_log`` writes the access log into ``log_path`` as docker-compose's web does."""
    port = port or free_port()
    options = [f"--bind=127.0.0.1:{port}", f"--workers={workers}", f"--threads={threads}"]
    if access_log:
        options.append("--access-logfile=-")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "educonnect.wsgi", *options],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return process.poll() is not None

    wait_for(answers, timeout=30, what="gunicorn to answer /healthz")
    if process.poll() is not None:
        raise AssertionError(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
    return process, base


def start_beat(env: dict[str, str], log_path: Path, *, schedule: Path) -> subprocess.Popen[bytes]:
    """``celery beat`` in its own process group, logging to ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "educonnect", "beat", "--loglevel", "INFO"]
            + ["--schedule", str(schedule)],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@dataclass
class Worker:
    """One ``celery -A educonnect worker`` process group."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def is_running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group at once: no task gets a chance to finish or to ack."""
        if self.is_running():
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        """Warm shutdown, then SIGKILL if it does not go in time."""
        stop_process(self.process, timeout)


def start_worker(
    env: dict[str, str],
    log_path: Path,
    *,
    pool: str = "threads",
    concurrency: int | None = 2,
    loglevel: str = "INFO",
    ready_timeout: float = READY_TIMEOUT,
) -> Worker:
    """Start a worker on the ``celery`` queue and return once it says it is ready.

    At WARNING and above the worker does not log "ready"; then it must answer a ping instead.
    """
    hostname = f"services-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "educonnect",
        "worker",
        "-Q",
        "celery",
        "--pool",
        pool,
        "--loglevel",
        loglevel,
        "--hostname",
        hostname,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    log_file = log_path.open("wb")
    try:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        log_file.close()
    worker = Worker(process=process, log_path=log_path)

    def is_ready() -> bool:
        if " ready." in worker.log():
            return True
        return loglevel.upper() != "INFO" and bool(_ping(hostname))

    try:
        wait_for(
            lambda: not worker.is_running() or is_ready(),
            timeout=ready_timeout,
            interval=0.05,
            what="the celery worker to be ready",
        )
    except AssertionError:
        worker.stop()
        raise AssertionError(f"celery worker not ready:\n{worker.log()}") from None
    if not worker.is_running():
        raise AssertionError(f"celery worker exited at start:\n{worker.log()}")
    return worker


def _ping(hostname: str) -> list[dict[str, object]]:
    from educonnect.celery import app

    return app.control.ping(destination=[hostname], timeout=0.5) or []


@dataclass
class WorkerLauncher:
    """What the ``workers`` fixture yields: starts workers, and always stops them."""

    log_dir: Path
    fake_twilio: FakeTwilio | None = None
    started: list[Worker] = field(default_factory=list)

    def start(
        self, *, email_url: str = "", env: dict[str, str] | None = None, **options: object
    ) -> Worker:
        log_path = self.log_dir / f"worker-{len(self.started) + 1}.log"
        environment = worker_environment(
            fake_twilio=self.fake_twilio, email_url=email_url, extra=env
        )
        worker = start_worker(environment, log_path, **options)
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()
        for number, worker in enumerate(self.started, start=1):
            # Shown by pytest only when the test failed.
            print(f"----- celery worker {number} (pid {worker.pid}) log -----")
            print(worker.log())


@contextmanager
def worker_launcher(
    log_dir: Path, fake_twilio: FakeTwilio | None = None
) -> Iterator[WorkerLauncher]:
    flush_redis()
    launcher = WorkerLauncher(log_dir=log_dir, fake_twilio=fake_twilio)
    try:
        yield launcher
    finally:
        launcher.stop_all()
        flush_redis()
