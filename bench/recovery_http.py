"""Password-reset requests per second over HTTP, against a bare Django view on the same server.

Figure: password-reset requests completed per second, each one what a browser does up to the
"code sent" page: GET ``/mot-de-passe-perdu/`` (form, CSRF cookie), POST a known identifier
with the SMS channel (302), GET ``/mot-de-passe-perdu/verification/`` with the new session
(200, the code form). p50 and p99 of the whole request and of its POST are reported.

It runs against production parts, as deployed: gunicorn with the production settings (DEBUG
off, secure cookies, Redis cache, PostgreSQL sessions), a real Celery worker (threads pool,
``CELERY_WORKER_CONCURRENCY``) that looks the account up, issues the code and sends it with
the real ``twilio`` SDK to the local fake provider (``tests/services/fake_twilio.py``, in its
own process). The provider answers at once or takes 2 s per message, in the order 0 ms, 2 s,
2 s, 0 ms (each run half as long) so that drift weighs on both alike. The request
path only enqueues a task (DESIGN §4), so the two figures must agree within noise; the
difference and the noise (standard error from 1-second buckets) are printed.

The worker shares the two cores with gunicorn, so its CPU counts in both phases. For the two
phases to do the same work, the worker runs enough threads to keep up at 2 s too
(``--worker-concurrency``, 128 by default: 64 SMS/s at 2 s each); with production's 16 threads
per process it would send 8 SMS/s at 2 s, fall behind, and leave the cores to gunicorn during
the measurement, which would flatter the 2 s figure. How many SMS a worker sends is the
subject of ``worker_sms.py``.

Rate limits are on, with the production ``RATE_LIMITS`` (5/15 min per identifier, 20/h per
address) and every request counts against them in Redis; they are just not reached: each
request uses its own known identifier (a fresh parent account with a school-declared mobile)
and its own client address, given in ``X-Forwarded-For`` and trusted with
``TRUSTED_PROXY_COUNT=1``, as behind the production proxy. A 429 fails the run. The worker's
anti-pumping SMS budget (``SMS_BUDGET_GLOBAL_PER_HOUR``) is raised so that every code leaves.

Bound, measured in the same run: requests per second of a bare Django view (an empty 200, all
the middleware) on the same gunicorn, through ``bench/bare_settings.py`` which adds that one
URL to the portal's; production never loads it. Ratios: the reset's HTTP requests per second
(three per reset) and resets per second, each divided by the bare view's requests per second.

Run (needs PostgreSQL and Redis; creates and drops ``<name>_bench_recovery``, flushes the Redis
database of ``REDIS_URL``: use one nobody else uses)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/recovery_http.py [--seconds 20] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402 - next to this script

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE = re.compile(r"(__Host-(?:csrftoken|sessionid))=([^;]+)")
FORM = "/mot-de-passe-perdu/"
SENT = "/mot-de-passe-perdu/verification/"
BARE = "/bench/bare/"
USERS = 12_000
FAKE_TWILIO = """
import json, sys, time
from tests.services.fake_twilio import FakeTwilio
with FakeTwilio(latency=float(sys.argv[1])) as fake:
    print(json.dumps({"url": fake.base_url, "sid": fake.account_sid, "token": fake.auth_token}),
          flush=True)
    sys.stdin.read()
    print(fake.message_count, flush=True)
"""


@dataclass
class Phase:
    label: str
    resets: int
    seconds: float
    latencies: list[float]
    post_latencies: list[float]
    buckets: list[int]
    cpu: dict[str, float]
    sms_sent: int = 0

    @property
    def rate(self) -> float:
        return self.resets / self.seconds

    def merged(self, other: Phase) -> Phase:
        """Two runs of the same phase as one (ABBA order, against drift)."""
        cpu = {
            group: (self.cpu.get(group, 0.0) + other.cpu.get(group, 0.0))
            for group in self.cpu.keys() | other.cpu.keys()
        }
        return Phase(
            self.label,
            self.resets + other.resets,
            self.seconds + other.seconds,
            self.latencies + other.latencies,
            self.post_latencies + other.post_latencies,
            self.buckets + other.buckets,
            cpu,
            self.sms_sent + other.sms_sent,
        )

    @property
    def noise(self) -> float:
        """Standard error of the rate, from its 1-second buckets."""
        if len(self.buckets) < 3:
            return float("nan")
        return statistics.stdev(self.buckets) / len(self.buckets) ** 0.5


def create_accounts(env: dict[str, str], count: int) -> None:
    """``count`` activated parents ``camille.bench<n>``, each with a school-declared mobile."""
    harness.run_django(
        env,
        f"""
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from accounts.models import Establishment, Guardian, User
from core.uai import uai_check_letter
now, password = timezone.now(), make_password("Cartable-Bleu-2026")
school = Establishment.objects.create(uai="0931234" + uai_check_letter("0931234"), name="Banc")
users = User.objects.bulk_create(
    [User(identifier=f"camille.bench{{n}}", kind="parent", first_name="Camille",
          last_name="Bench", password=password, activated_at=now) for n in range({count})],
    batch_size=2000)
Guardian.objects.bulk_create(
    [Guardian(establishment=school, external_id=str(n), last_name="BENCH", first_name="Camille",
              mobile=f"+336{{10000000 + n}}", account=user) for n, user in enumerate(users)],
    batch_size=2000)
""",
    )


def cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and (found := COOKIE.search(value)):
            jar[found.group(1)] = found.group(2)


def reset_once(conn: http.client.HTTPConnection, identifier: str, ip: str) -> tuple[float, float]:
    """One browser asking for a code by SMS; returns (whole request, POST) seconds."""
    jar: dict[str, str] = {}
    headers = {**harness.HEADERS, "X-Forwarded-For": ip}
    started = time.perf_counter()
    conn.request("GET", FORM, headers=headers)
    page = conn.getresponse()
    body = page.read()
    cookies(page, jar)
    token = TOKEN.search(body)
    assert page.status == 200 and token and jar, page.status
    form = urlencode(
        {"csrfmiddlewaretoken": token.group(1).decode(), "identifier": identifier, "channel": "sms"}
    )
    posted = time.perf_counter()
    conn.request(
        "POST",
        FORM,
        body=form,
        headers={
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"https://127.0.0.1{FORM}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    post_seconds = time.perf_counter() - posted
    if answer.status == 429:
        raise RuntimeError("a rate limit answered 429: more identifiers or addresses are needed")
    assert answer.status == 302 and answer.getheader("Location") == SENT, answer.status
    cookies(answer, jar)
    conn.request(
        "GET", SENT, headers={**headers, "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    )
    sent = conn.getresponse()
    sent.read()
    assert sent.status == 200, sent.status
    return time.perf_counter() - started, post_seconds


def run_load(
    port: int, seconds: float, clients: int, work: str, identifiers: itertools.count[int]
) -> tuple[list[tuple[float, float, float]], float]:
    """``clients`` keep-alive connections for ``seconds``; (finish time, latency, POST latency)
    of each completed request, and the start time."""
    done: list[tuple[float, float, float]] = []
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + seconds
    errors: list[BaseException] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.perf_counter() < deadline:
                if work == "bare":
                    t0 = time.perf_counter()
                    conn.request("GET", BARE, headers=harness.HEADERS)
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200, response.status
                    took = post = time.perf_counter() - t0
                else:
                    with lock:
                        n = next(identifiers)
                    ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
                    took, post = reset_once(conn, f"camille.bench{n % USERS + 1}", ip)
                with lock:
                    done.append((time.perf_counter(), took, post))
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            errors.append(error)
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return done, started


def measure(
    label: str,
    server: harness.Gunicorn,
    groups: dict[str, Callable[[], list[int]]],
    seconds: float,
    clients: int,
    work: str,
    identifiers: itertools.count[int],
) -> Phase:
    run_load(server.port, min(3.0, seconds / 4), clients, work, identifiers)  # warm-up
    meter = harness.CpuMeter(groups)
    done, started = run_load(server.port, seconds, clients, work, identifiers)
    cpu = meter.stop()
    elapsed = max(finished for finished, _, _ in done) - started
    buckets = [0] * int(elapsed)
    for finished, _, _ in done:
        second = int(finished - started)
        if second < len(buckets):
            buckets[second] += 1
    return Phase(
        label,
        len(done),
        elapsed,
        [took for _, took, _ in done],
        [post for _, _, post in done],
        buckets,
        cpu,
    )


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "educonnect", "worker", "-Q", "celery"]
        + ["--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=harness.ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def recovery_phase(
    env: dict[str, str],
    args: argparse.Namespace,
    latency_ms: int,
    identifiers: itertools.count[int],
) -> Phase:
    """gunicorn + a worker + the fake provider at ``latency_ms``; one measured load."""
    fake = subprocess.Popen(
        [sys.executable, "-c", FAKE_TWILIO, str(latency_ms / 1000)],
        cwd=harness.ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None and fake.stdin is not None
    provider = json.loads(fake.stdout.readline())
    phase_env = {
        **env,
        "TWILIO_API_BASE_URL": provider["url"],
        "TWILIO_ACCOUNT_SID": provider["sid"],
        "TWILIO_AUTH_TOKEN": provider["token"],
    }
    log = Path(tempfile.mkdtemp(prefix="bench-recovery-")) / f"worker-{latency_ms}.log"
    worker = start_worker(phase_env, log)
    try:
        with harness.gunicorn(phase_env, workers=args.workers) as server:
            groups = {
                "gunicorn": lambda: server.worker_pids,
                "worker": lambda: [worker.pid],
                "postgres": lambda: harness.pids_named("postgres"),
                "redis": lambda: harness.pids_named("redis-server"),
            }
            phase = measure(
                f"recovery, provider {latency_ms} ms",
                server,
                groups,
                args.seconds,
                args.clients,
                "reset",
                identifiers,
            )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        fake.stdin.close()
        sent = int((fake.stdout.readline() or "0").strip() or 0)
        fake.wait(timeout=10)
    phase.sms_sent = sent
    return phase


def report(phase: Phase, unit: str) -> None:
    p50 = statistics.median(phase.latencies) * 1000
    p99 = harness.percentile(phase.latencies, 99) * 1000
    line = (
        f"{phase.label:<28} {phase.rate:7.1f} {unit}/s (±{phase.noise:.1f}), "
        f"p50 {p50:5.1f} ms, p99 {p99:5.1f} ms"
    )
    if unit == "resets":
        post50 = statistics.median(phase.post_latencies) * 1000
        post99 = harness.percentile(phase.post_latencies, 99) * 1000
        line += f" (POST alone p50 {post50:.1f} ms, p99 {post99:.1f} ms)"
    print(line, flush=True)
    print("    " + harness.describe_cpu(phase.cpu, phase.resets, unit.rstrip("s")), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="each measured load")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=harness.CORES + 1, help="gunicorn")
    parser.add_argument("--slow-latency-ms", type=int, default=2000)
    parser.add_argument("--worker-concurrency", type=int, default=128, help="Celery threads")
    args = parser.parse_args()
    base, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith(("postgres://", "postgresql://")) or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    name, url = harness.fresh_database(base, "bench_recovery")
    env = harness.production_env(
        url,
        REDIS_URL=redis_url,
        TRUSTED_PROXY_COUNT="1",
        SMS_BACKEND="twilio",
        TWILIO_FROM_NUMBER="+33700000001",
        TWILIO_ACCOUNT_SID="AC" + "0" * 31 + "1",  # the fake's; each phase sets its own URL
        TWILIO_AUTH_TOKEN="fake-twilio-auth-token",
        SMS_BUDGET_GLOBAL_PER_HOUR="10000000",
        CELERY_WORKER_CONCURRENCY=str(args.worker_concurrency),
    )
    for variable in ("CELERY_BROKER_URL", "TWILIO_MESSAGING_SERVICE_SID", "RATE_LIMITS"):
        env.pop(variable, None)
    print(f"machine: {harness.machine()}", flush=True)
    try:
        redis.Redis.from_url(redis_url).flushdb()
        harness.prepare_site(env)
        create_accounts(env, USERS)
        identifiers = itertools.count()
        bare_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}
        with harness.gunicorn(bare_env, workers=args.workers) as server:
            groups = {"gunicorn": lambda: server.worker_pids}
            bare = measure(
                "bare view (bound)",
                server,
                groups,
                args.seconds / 2,
                args.clients,
                "bare",
                identifiers,
            )
        report(bare, "requests")
        # ABBA: 0 ms, 2 s, 2 s, 0 ms, each half as long, so that drift (a warming database,
        # the growing tables) weighs on both latencies alike.
        half = argparse.Namespace(**{**vars(args), "seconds": args.seconds / 2})
        runs = [
            recovery_phase(env, half, latency, identifiers)
            for latency in (0, args.slow_latency_ms, args.slow_latency_ms, 0)
        ]
        fast, slow = runs[0].merged(runs[3]), runs[1].merged(runs[2])
        report(fast, "resets")
        report(slow, "resets")
    finally:
        harness.drop_database(base, name)
    used = next(identifiers)
    if used > USERS:
        print(f"note: {used} requests for {USERS} accounts: some identifiers served twice")
    print(
        f"SMS accepted by the provider: {fast.sms_sent} (0 ms), {slow.sms_sent} "
        f"({args.slow_latency_ms} ms), for {fast.resets} and {slow.resets} measured resets "
        "(plus warm-up; a worker stopped mid-send leaves the rest queued)"
    )
    for phase in (fast, slow):
        print(
            f"ratio {phase.label}: {3 * phase.rate / bare.rate:.2f} (HTTP requests/s ÷ bare "
            f"view requests/s), {phase.rate / bare.rate:.3f} (resets/s ÷ bare requests/s)"
        )
    difference = (slow.rate - fast.rate) / fast.rate
    noise = 2 * (fast.noise**2 + slow.noise**2) ** 0.5 / fast.rate
    p99_difference = (
        harness.percentile(slow.latencies, 99) / harness.percentile(fast.latencies, 99) - 1
    )
    verdict = "within noise" if abs(difference) <= max(noise, 0.05) else "NOT within noise"
    print(
        f"provider {args.slow_latency_ms} ms vs 0 ms: resets/s {difference:+.1%} "
        f"(noise ±{noise:.1%}, 2 standard errors), p99 {p99_difference:+.1%}: {verdict}"
    )
    # The request path's own cost, which the worker sharing the cores does not move.
    fast_web, slow_web = (
        phase.cpu.get("gunicorn", 0.0) * 1000 / max(phase.resets, 1) for phase in (fast, slow)
    )
    fast_post, slow_post = (
        statistics.median(phase.post_latencies) * 1000 for phase in (fast, slow)
    )
    print(
        f"request path, 0 ms vs {args.slow_latency_ms} ms: gunicorn CPU per reset "
        f"{fast_web:.1f} / {slow_web:.1f} ms ({slow_web / fast_web - 1:+.1%}), POST p50 "
        f"{fast_post:.1f} / {slow_post:.1f} ms (the provider's {args.slow_latency_ms} ms "
        "never reaches a request)"
    )
    for phase in (fast, slow):
        print(
            f"summary: {phase.label:<27} {phase.rate:7.1f} resets/s, p50 "
            f"{statistics.median(phase.latencies) * 1000:.0f} ms, p99 "
            f"{harness.percentile(phase.latencies, 99) * 1000:.0f} ms; bare view "
            f"{bare.rate:.0f} req/s; ratio {3 * phase.rate / bare.rate:.2f} (HTTP requests)"
        )
    print(
        f"summary: recovery at 2 s vs 0 ms   resets/s {difference:+.1%} (noise ±{noise:.1%}, "
        f"{verdict}); gunicorn CPU per reset {slow_web / fast_web - 1:+.1%}; POST p50 "
        f"{fast_post:.0f} / {slow_post:.0f} ms"
    )


if __name__ == "__main__":
    main()
