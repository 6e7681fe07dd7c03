"""Sustained successful logins per second over HTTP, against the cost of the password hash.

Figure: logins per second through gunicorn with the production settings (DEBUG off, argon2id,
PostgreSQL sessions, Redis cache), each login a real browser-like exchange: GET the form, read
the CSRF token, POST identifier and password, get the redirect. Bound, measured in the same
run: cores ÷ the time of one argon2 verify with the portal's parameters, measured in-process —
what the machine could do if a login cost nothing but its hash. Target: ratio ≥ 0.85.

gunicorn runs as the Dockerfile runs it: sync workers, cores + 1 of them (3 on 2 cores, so that
a worker waiting on PostgreSQL or Redis leaves its core to another one), access log on. The
bound is measured before and after the load and averaged, as other work on the machine moves
it. The load generator runs on the same machine and takes CPU from the server; it uses raw
keep-alive connections (http.client) to stay cheap. The CPU each part used per login
(gunicorn workers, PostgreSQL, Redis, the load generator) is printed, and with it the ratio
the machine would reach if only CPU time counted: one verify ÷ all CPU per login — a figure
that other load on the machine moves much less than the wall-clock ratio.

Run (needs PostgreSQL and Redis; creates and drops ``<name>_bench_login``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/login_http.py [--seconds 20] [--clients 8] [--workers 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402 - next to this script

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE = re.compile(r"(__Host-csrftoken)=([^;]+)")
USERS = 40
PASSWORD = "Cartable-Bleu-2026"


def prepare(env: dict[str, str]) -> None:
    harness.prepare_site(env)
    harness.run_django(
        env,
        f"""
from accounts.services import user_create
for _ in range({USERS}):
    user_create(kind="parent", first_name="Camille", last_name="Bench", password="{PASSWORD}")
""",
    )


def login_once(conn: http.client.HTTPConnection, identifier: str) -> float:
    headers = harness.HEADERS
    started = time.perf_counter()
    conn.request("GET", "/connexion/", headers=headers)
    page = conn.getresponse()
    body = page.read()
    cookie = COOKIE.search(page.getheader("Set-Cookie", "") or "")
    token = TOKEN.search(body)
    assert page.status == 200 and cookie and token, page.status
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "identifier": identifier,
            "password": PASSWORD,
        }
    )
    conn.request(
        "POST",
        "/connexion/",
        body=form,
        headers={
            **headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"{cookie.group(1)}={cookie.group(2)}",
            "Referer": "https://127.0.0.1/connexion/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    assert answer.status == 302, answer.status
    assert "__Host-sessionid=" in (answer.getheader("Set-Cookie") or ""), "no session"
    return time.perf_counter() - started


def load(port: int, identifiers: list[str], seconds: float, clients: int) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = offset
        while time.perf_counter() < deadline:
            took = login_once(conn, identifiers[n % len(identifiers)])
            n += clients
            with lock:
                latencies.append(took)
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description="HTTP login throughput vs. argon2 bound")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=harness.CORES + 1, help="gunicorn")
    args = parser.parse_args()
    base = os.environ["DATABASE_URL"]
    name, url = harness.fresh_database(base, "bench_login")
    env = harness.production_env(url)
    print(f"machine: {harness.machine()}", flush=True)
    try:
        prepare(env)
        before, cpu_before = harness.argon2_verify_seconds(env, 3.0)
        with ThreadPoolExecutor(harness.CORES) as pool:
            parallel = list(
                pool.map(lambda _: harness.argon2_verify_seconds(env, 3.0)[0], range(harness.CORES))
            )
        identifiers = [f"camille.bench{n}" for n in range(1, USERS + 1)]
        with harness.gunicorn(env, workers=args.workers) as server:
            load(server.port, identifiers, 3.0, args.clients)  # warm-up
            meter = harness.CpuMeter(
                {
                    "gunicorn": lambda: server.worker_pids,
                    "postgres": lambda: harness.pids_named("postgres"),
                    "redis": lambda: harness.pids_named("redis-server"),
                }
            )
            latencies = load(server.port, identifiers, args.seconds, args.clients)
            cpu = meter.stop()
        after, cpu_after = harness.argon2_verify_seconds(env, 3.0)
    finally:
        harness.drop_database(base, name)
    verify = (before + after) / 2
    verify_cpu = (cpu_before + cpu_after) / 2
    bound = harness.CORES / verify
    figure = len(latencies) / args.seconds
    p50 = statistics.median(latencies) * 1000
    p99 = harness.percentile(latencies, 99) * 1000
    cpu_per_login = sum(seconds for part, seconds in cpu.items() if part != "wall") / len(latencies)
    print(
        f"argon2 verify: {before * 1000:.1f} ms before, {after * 1000:.1f} ms after the load; "
        f"bound = {harness.CORES} cores / {verify * 1000:.1f} ms = {bound:.1f} logins/s"
    )
    print(
        f"  ({harness.CORES} verifies at once: "
        + ", ".join(f"{seconds * 1000:.1f} ms" for seconds in parallel)
        + " each)"
    )
    print(
        f"logins over HTTP: {figure:.1f}/s with {args.clients} clients, "
        f"{args.workers} gunicorn workers; p50 {p50:.0f} ms, p99 {p99:.0f} ms"
    )
    print("  " + harness.describe_cpu(cpu, len(latencies), "login"))
    print(
        f"  CPU-time ratio (one verify's CPU {verify_cpu * 1000:.1f} ms / all CPU per login "
        f"{cpu_per_login * 1000:.1f} ms): {verify_cpu / cpu_per_login:.2f}"
    )
    print(f"ratio figure/bound: {figure / bound:.2f} (target 0.85)")
    print(
        f"summary: login over HTTP     {figure:7.1f} logins/s, p99 {p99:.0f} ms; bound "
        f"{bound:.1f}/s; ratio {figure / bound:.2f} (target 0.85; CPU-time ratio "
        f"{verify_cpu / cpu_per_login:.2f})"
    )


if __name__ == "__main__":
    main()
