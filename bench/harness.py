"""What the HTTP benchmarks share: a fresh database, gunicorn with the production settings,
CPU accounting per process group, latency percentiles.

Not a benchmark itself; ``login_http.py`` and ``recovery_http.py`` import it.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
CORES = os.cpu_count() or 1
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    return parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)


def fresh_database(base_url: str, suffix: str) -> tuple[str, str]:
    """(Re)create ``<name of base_url>_<suffix>`` on the same server; return (name, url)."""
    parts = urlsplit(base_url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{suffix}"
    with psycopg.connect(_admin_url(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, parts._replace(path=f"/{name}").geturl()


def drop_database(base_url: str, name: str) -> None:
    with psycopg.connect(_admin_url(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The production settings (DEBUG off, argon2, secure cookies) behind a TLS proxy."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "true",
        "VAR_DIR": str(ROOT / "var" / "bench"),
        "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "educonnect.settings",
        "SMS_BACKEND": "locmem",  # production refuses the console backend; a bench sets twilio
        "EMAIL_CONSOLE_ALLOWED": "true",  # no e-mail is sent by the benchmarks
        **extra,
    }


def run_django(env: dict[str, str], script: str) -> str:
    """Run ``script`` after ``django.setup()`` in a child process; return its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def prepare_site(env: dict[str, str]) -> None:
    """Migrate the fresh database and collect the static files (manifest storage)."""
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def argon2_verify_seconds(env: dict[str, str], seconds: float) -> tuple[float, float]:
    """(wall, CPU) seconds of one verify of the portal's argon2 hash, in one process."""
    out = run_django(
        env,
        f"""
import time
from django.contrib.auth.hashers import make_password, check_password
encoded = make_password("Cartable-Bleu-2026")
n, start, cpu = 0, time.perf_counter(), time.process_time()
while time.perf_counter() - start < {seconds}:
    check_password("Cartable-Bleu-2026", encoded); n += 1
print((time.perf_counter() - start) / n, (time.process_time() - cpu) / n)
""",
    )
    wall, cpu = out.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


@dataclass
class Gunicorn:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, threads: int = 1) -> Iterator[Gunicorn]:
    """gunicorn as the Dockerfile runs it (sync workers, access log to stdout, discarded)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "educonnect.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--access-logfile=-",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz", headers=HEADERS)
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not answer") from None
                time.sleep(0.2)
        while len(children(process.pid)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)
        yield Gunicorn(process, port)
    finally:
        process.terminate()
        process.wait(timeout=20)


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(child) for child in out.split()]


def pids_named(name: str) -> list[int]:
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each of these processes so far (ended ones are left out)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


class CpuMeter:
    """CPU seconds used during a measurement by named groups of processes; ``client`` is this
    process (the load generator). A group is a function listing its pids, asked again at the
    end so that processes started meanwhile count (PostgreSQL backends come and go)."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self.started = {name: cpu_by_pid(pids()) for name, pids in groups.items()}
        self.client_started = time.process_time()
        self.wall_started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        used = {}
        for name, pids in self.groups.items():
            before = self.started[name]
            now = cpu_by_pid(pids())
            used[name] = sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
        used["client"] = time.process_time() - self.client_started
        used["wall"] = time.perf_counter() - self.wall_started
        return used


def describe_cpu(used: dict[str, float], per: int, unit: str) -> str:
    """ "gunicorn 61.2 ms, postgres 3.1 ms, … per login; client share 2 % of the cores"."""
    parts = [f"{name} {seconds / per * 1000:.1f} ms" for name, seconds in used.items()]
    parts = [part for part in parts if not part.startswith("wall")]
    share = used["client"] / (used["wall"] * CORES)
    return f"CPU per {unit}: {', '.join(parts)}; load generator {share:.0%} of the {CORES} cores"


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


def machine() -> str:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{CORES} cores ({model}), load average {os.getloadavg()[0]:.2f} at start"
