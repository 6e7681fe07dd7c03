"""cProfile of one password reset, request side and worker side, with the production settings.

Not a benchmark: the profile behind the figures of ``bench/peer.py`` (docs/PERFORMANCE.md).
Seeds ``--accounts`` parents in a fresh database, warms up, then profiles ``--resets`` resets:

- the request side through Django's whole WSGI handler and middleware stack (the test client
  speaks WSGI to the same application gunicorn serves): GET ``/mot-de-passe-perdu/``, POST,
  GET the next page; plus the bare view and the page after the request, each alone;
- the worker side: the two task bodies a reset runs (``recovery.deliver_password_reset`` then
  ``notifications.send_sms``), called in-process, sending with the ``twilio`` SDK to the local
  fake provider.

It prints the time per reset of each part, the SQL statements each sends, and the top
functions by own time. Run (creates and drops ``<name>_bench_profile``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/profile_reset.py [--resets 200] [--accounts 30000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402 - next to this script
import peer  # noqa: E402 - the same seeding

PROFILE = r"""
import cProfile, io, pstats, re, sys, time
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from notifications.models import Notification
from notifications.tasks import send_sms
from recovery.tasks import deliver_password_reset

resets, top = int(sys.argv[1]), int(sys.argv[2])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}
queued = []
browser = Client(**headers)  # one handler, as one gunicorn worker: middleware set up once
deliver_password_reset.delay_on_commit = lambda sealed, pending: queued.append((sealed, pending))
send_sms.delay_on_commit = lambda pk: None  # picked up from the log by worker()


def web(n):
    client = browser
    client.cookies.clear()  # a new browser each time
    client.defaults["HTTP_X_FORWARDED_FOR"] = f"10.9.{n // 256 % 256}.{n % 256}"
    page = client.get("/mot-de-passe-perdu/")
    token = TOKEN.search(page.content.decode()).group(1)
    answer = client.post("/mot-de-passe-perdu/", {"csrfmiddlewaretoken": token,
        "identifier": f"camille.bench{n}", "channel": "sms"}, HTTP_REFERER="https://127.0.0.1/")
    assert answer.status_code == 302, answer.status_code
    assert client.get(answer["Location"]).status_code == 200
    return client


def worker():
    while queued:
        sealed, pending = queued.pop()
        deliver_password_reset.run(sealed, pending=pending)
    for pk in Notification.objects.filter(status="queued").values_list("pk", flat=True):
        send_sms.run(pk)


def profiled(label, function, count):
    profile = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        profile.enable()
        function()
        profile.disable()
        took = time.perf_counter() - started
    each = f"{took / count * 1000:.2f} ms each, {len(queries) / count:.1f} SQL each"
    print(f"{label}: {each}", flush=True)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))
    print()


print("warming up", flush=True)
for n in range(1, 21):  # warm-up: templates, connections, the breach list
    web(n)
worker()
base = 100
profiled("request side (GET, POST, GET)", lambda: [web(base + n) for n in range(resets)], resets)
profiled("worker side (two tasks)", worker, resets)
browser.cookies.clear()
profiled("bare view", lambda: [browser.get("/bench/bare/") for _ in range(resets)], resets)
client = web(base + resets + 1)
profiled("page after the request", lambda: [client.get("/mot-de-passe-perdu/verification/")
         for _ in range(resets)], resets)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resets", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=30_000)
    parser.add_argument("--top", type=int, default=12, help="functions listed per part")
    parser.add_argument("--database", default="", help="default <DATABASE_URL name>_bench_profile")
    args = parser.parse_args()
    base, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith(("postgres://", "postgresql://")) or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    name = args.database or f"{(base.rsplit('/', 1)[-1] or 'postgres')}_bench_profile"
    url = peer.fresh(base, name)
    redis.Redis.from_url(redis_url).flushdb()
    fake, env = peer.portal_with_fake_provider(url, redis_url)
    try:
        harness.prepare_site(env)
        code = "import django; django.setup()\n"
        seed = [sys.executable, "-c", code + peer.PORTAL_SEED, str(args.accounts), peer.PASSWORD]
        subprocess.run(seed, cwd=harness.ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "-c", code + PROFILE, str(args.resets), str(args.top)],
            cwd=harness.ROOT,
            env=env,
            check=True,
        )
    finally:
        fake.stdin.close()
        fake.wait(timeout=10)
        peer.drop(base, name)


if __name__ == "__main__":
    main()
