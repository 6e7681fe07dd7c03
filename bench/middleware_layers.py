"""What each middleware costs a request: the bare view (``bench/bare_urls.py``) through the
production stack, built up one layer at a time, in-process (Django's WSGI handler
through the test client, no network), with the production settings.

Not a benchmark of its own: the per-layer figures of docs/PERFORMANCE.md, next to the bare-view
figure of ``bench/peer.py``. The stack is built up one layer at a time in its own
order (a layer may need the ones above it, as authentication needs sessions); a layer's cost is
the fastest run's time per request with it less the fastest without it (``--runs`` rounds over
every prefix, ``--requests`` per run: the least disturbed run of each, since other work on the
machine only ever adds time).
An anonymous request without cookies, as the bare view's load is. Needs no database rows::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/middleware_layers.py [--requests 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402 - next to this script

LAYERS = r"""
import sys, time
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

requests, runs = int(sys.argv[1]), int(sys.argv[2])
headers = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "127.0.0.1"}
full = list(settings.MIDDLEWARE)


def per_request(stack):
    with override_settings(MIDDLEWARE=stack):
        client = Client(**headers)
        for _ in range(50):
            client.get("/bench/bare/")
        started = time.perf_counter()
        for _ in range(requests):
            assert client.get("/bench/bare/").status_code == 200
        return (time.perf_counter() - started) / requests * 1e6


timings = [[] for _ in range(len(full) + 1)]
for _ in range(runs):
    for k in range(len(full) + 1):
        timings[k].append(per_request(full[:k]))
fastest = [min(t) for t in timings]
print(f"no middleware: {fastest[0]:.0f} µs per request; full stack of {len(full)}: "
      f"{fastest[-1]:.0f} µs (in-process, the view's own work included; fastest of {runs} runs)")
for k, name in enumerate(full, start=1):
    print(f"  + {name:<55} {fastest[k] - fastest[k - 1]:6.1f} µs")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith(("postgres://", "postgresql://")) or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    env = harness.production_env(
        base, DJANGO_SETTINGS_MODULE="bench.bare_settings", REDIS_URL=redis_url
    )
    subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + LAYERS]
        + [str(args.requests), str(args.runs)],
        cwd=harness.ROOT,
        env=env,
        check=True,
    )


if __name__ == "__main__":
    main()
