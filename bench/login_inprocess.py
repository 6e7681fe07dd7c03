"""Login throughput in one process vs. the cost of the password hash alone.

Figure: successful logins per second through Django's full stack (form, CSRF middleware,
session creation, audit row) on a single thread, SQLite and the local-memory cache. Bound,
measured in the same run: verifies per second of one argon2 hash with the portal's parameters
on the same thread. The ratio says how much the rest of the request costs on top of the hash
(1.0 = free). The HTTP benchmark against gunicorn, PostgreSQL and Redis is ``login_http.py``.

Run (without ``DATABASE_URL``: it migrates and seeds the demo data into a temporary SQLite)::

    env -u DATABASE_URL -u REDIS_URL .venv/bin/python bench/login_inprocess.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educonnect.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="bench-login-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.hashers import check_password, make_password
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.demo import PARENT_PASSWORD, seed_demo

    setup_test_environment()
    call_command("migrate", verbosity=0)
    seed_demo()

    encoded = make_password(PARENT_PASSWORD)
    hashes = 0
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds / 2:
        check_password(PARENT_PASSWORD, encoded)
        hashes += 1
    bound = hashes / (time.perf_counter() - started)

    latencies = []
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds / 2:
        client = Client()
        t0 = time.perf_counter()
        response = client.post(
            "/connexion/", {"identifier": "patrick.dupont1", "password": PARENT_PASSWORD}
        )
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 302, response.status_code
    figure = len(latencies) / (time.perf_counter() - started)

    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 100 else max(latencies)
    print(f"argon2 verify (bound): {bound:.1f}/s = {1000 / bound:.1f} ms per verify")
    print(
        f"login (figure):        {figure:.1f}/s, p50 {statistics.median(latencies) * 1000:.1f} ms,"
        f" p99 {p99 * 1000:.1f} ms"
    )
    print(f"ratio figure/bound:    {figure / bound:.2f}")
    print(
        f"summary: login in-process      {figure:7.1f} logins/s on one thread; bound "
        f"{bound:.1f} verifies/s; ratio {figure / bound:.2f}"
    )


if __name__ == "__main__":
    main()
