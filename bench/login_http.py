"""Sustained successful logins per second over HTTP, against the cost of the password hash.

Figure: logins per second through gunicorn with the production settings (DEBUG off, argon2id,
PostgreSQL sessions, Redis cache), each login a real browser-like exchange: GET the form, read
the CSRF token, POST identifier and password, get the redirect. Bound, measured in the same
run: cores ÷ the time of one argon2 verify with the portal's parameters, measured in-process —
what the machine could do if a login cost nothing but its hash. Target: ratio ≥ 0.85.

The load generator runs on the same machine and takes CPU from the server; it uses raw
keep-alive connections (http.client) to stay cheap, and the figure is reported with that caveat.

Run (needs PostgreSQL and Redis; creates and drops ``<name>_bench_login``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/login_http.py --seconds 20
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
COOKIE = re.compile(r"(__Host-csrftoken)=([^;]+)")
USERS = 40
PASSWORD = "Cartable-Bleu-2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_env(base_url: str) -> tuple[str, str]:
    parts = urlsplit(base_url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_bench_login"
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, parts._replace(path=f"/{name}").geturl()


def drop_database(base_url: str, name: str) -> None:
    parts = urlsplit(base_url)
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(env: dict[str, str]) -> None:
    script = f"""
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.services import user_create
from accounts.models import User
while User.objects.filter(last_name="Bench").count() < {USERS}:
    user_create(kind="parent", first_name="Camille", last_name="Bench", password="{PASSWORD}")
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


def argon2_bound(env: dict[str, str], seconds: float) -> tuple[float, float]:
    script = f"""
import time, django; django.setup()
from django.contrib.auth.hashers import make_password, check_password
encoded = make_password("{PASSWORD}")
n, start = 0, time.perf_counter()
while time.perf_counter() - start < {seconds}:
    check_password("{PASSWORD}", encoded); n += 1
print((time.perf_counter() - start) / n)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True
    )
    verify = float(out.stdout.decode().strip().splitlines()[-1])
    return verify, (os.cpu_count() or 1) / verify


def login_once(conn: http.client.HTTPConnection, identifier: str) -> float:
    headers = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
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
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    base = os.environ["DATABASE_URL"]
    name, url = database_env(base)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "true",
        "VAR_DIR": str(ROOT / "var" / "bench"),
        "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "educonnect.settings",
    }
    server = None
    try:
        prepare(env)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        verify, bound = argon2_bound(env, 3.0)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "educonnect.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={args.workers}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
        )
        time.sleep(3)
        identifiers = [f"camille.bench{n}" for n in range(1, USERS + 1)]
        load(port, identifiers, 3.0, args.clients)  # warm-up
        latencies = load(port, identifiers, args.seconds, args.clients)
        figure = len(latencies) / args.seconds
        p50 = statistics.median(latencies) * 1000
        p99 = statistics.quantiles(latencies, n=100)[98] * 1000
        print(
            f"argon2 verify: {verify * 1000:.1f} ms; bound = {os.cpu_count()} cores / verify "
            f"= {bound:.1f} logins/s"
        )
        print(
            f"logins over HTTP: {figure:.1f}/s with {args.clients} clients, "
            f"{args.workers} gunicorn workers; p50 {p50:.0f} ms, p99 {p99:.0f} ms"
        )
        print(f"ratio figure/bound: {figure / bound:.2f} (target 0.85)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        drop_database(base, name)


if __name__ == "__main__":
    main()
