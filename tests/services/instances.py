"""Private PostgreSQL and Redis servers that a fault test owns and may stop, kill or restart.

The machine's own PostgreSQL and Redis serve other test runs at the same time, so the fault
tests never touch them: they start a ``redis-server`` on a free port and a PostgreSQL cluster
of their own (``pg_createcluster``, Debian's wrapper, as root; or ``initdb``/``pg_ctl`` as the
``postgres`` user), and always remove both at teardown, even when a test failed.

The Redis instance runs as docker-compose runs production's (``--appendonly yes``), so a
restart (SIGTERM, then start) keeps the broker's queues, as it does in production.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from tests.services.workers import free_port, wait_for


class ServerUnavailable(Exception):
    """The binaries or the user needed to run a private server are missing on this machine."""


# --- Redis ------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """``redis-server`` on 127.0.0.1:<port> with its AOF under ``directory``."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server is not installed")
        self.directory.mkdir(parents=True, exist_ok=True)
        log = (self.directory / "redis.log").open("ab")
        try:
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    str(self.directory),
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        wait_for(self.is_up, timeout=15, interval=0.05, what=f"redis on port {self.port}")

    def is_up(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def flush(self) -> None:
        redis.Redis(port=self.port).flushall()

    def forget(self) -> None:
        """Remove what a stopped server would load at its next start: it comes back empty, as a
        Redis run without persistence does after a restart."""
        assert self.process is None or self.process.poll() is not None, "stop it first"
        shutil.rmtree(self.directory / "appendonlydir", ignore_errors=True)
        (self.directory / "dump.rdb").unlink(missing_ok=True)

    def queued(self, queue: str = "celery") -> list[str]:
        """The names of the tasks waiting in the broker's queue (not those handed to a worker)."""
        messages = redis.Redis(port=self.port, socket_timeout=2).lrange(queue, 0, -1)
        return [str(json.loads(message)["headers"]["task"]) for message in messages]


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_version() -> str:
    versions = sorted(
        (path.name for path in Path("/etc/postgresql").glob("*") if path.name.isdigit()), key=int
    )
    if not versions:
        raise ServerUnavailable("no PostgreSQL server installed (/etc/postgresql is empty)")
    return versions[-1]


@dataclass
class PostgresCluster:
    """A throw-away cluster on 127.0.0.1:<port>, ``trust`` for local TCP, owned by the test."""

    port: int = field(default_factory=free_port)
    name: str = field(default_factory=lambda: f"faults_{uuid.uuid4().hex[:8]}")
    version: str = ""
    can_restart: bool = True
    _data_dir: Path | None = None
    _created: bool = False

    def database_url(self, database: str = "educonnect") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    # Debian's pg_createcluster needs root; initdb/pg_ctl need the postgres user (PG refuses
    # to run as root). Which one applies is decided once, in create().
    @property
    def _uses_wrapper(self) -> bool:
        return os.geteuid() == 0 and shutil.which("pg_createcluster") is not None

    def create(self) -> None:
        self.version = _pg_version()
        if self._uses_wrapper:
            self._run(
                "pg_createcluster",
                self.version,
                self.name,
                "--port",
                str(self.port),
                "--start-conf",
                "manual",
                "--",
                "--auth=trust",
            )
            self._created = True
        else:
            if os.geteuid() != 0 and _current_user() != "postgres":
                raise ServerUnavailable("neither root nor the postgres user: cannot run a cluster")
            self._data_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-"))
            self._run(
                self._bin("initdb"), "-D", str(self._data_dir), "-U", "postgres", "-A", "trust"
            )
            self._created = True
        self.start()
        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE educonnect")

    def start(self) -> None:
        if self._uses_wrapper:
            self._run("pg_ctlcluster", self.version, self.name, "start")
        else:
            self._run(
                self._bin("pg_ctl"),
                "-D",
                str(self._data_dir),
                "-o",
                f"-p {self.port} -k {self._data_dir} -c listen_addresses=127.0.0.1",
                "-l",
                str(self._data_dir / "server.log"),
                "-w",
                "start",
            )
        wait_for(self.is_up, timeout=30, interval=0.1, what=f"PostgreSQL on port {self.port}")

    def stop(self) -> None:
        if self._uses_wrapper:
            self._run("pg_ctlcluster", self.version, self.name, "stop", "-m", "fast")
        else:
            self._run(self._bin("pg_ctl"), "-D", str(self._data_dir), "-m", "fast", "-w", "stop")

    def is_up(self) -> bool:
        try:
            with psycopg.connect(self.database_url("postgres"), connect_timeout=1) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def drop(self) -> None:
        """Stop and delete the cluster; safe to call whatever state it is in."""
        if not self._created:
            return
        if self._uses_wrapper:
            subprocess.run(
                ["pg_dropcluster", "--stop", self.version, self.name],
                check=False,
                capture_output=True,
            )
        elif self._data_dir is not None:
            subprocess.run(
                [self._bin("pg_ctl"), "-D", str(self._data_dir), "-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )
            shutil.rmtree(self._data_dir, ignore_errors=True)
        self._created = False

    def _bin(self, name: str) -> str:
        return f"/usr/lib/postgresql/{self.version}/bin/{name}"

    def _run(self, *command: str) -> None:
        result = subprocess.run(list(command), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )


def _current_user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


@dataclass
class SharedDatabase:
    """A database of its own on the suite's PostgreSQL server, when no private cluster can run.

    It cannot be restarted (other runs use that server), so only the PostgreSQL-restart fault
    test is lost; ``can_restart`` tells it.
    """

    admin_url: str  # postgres://user@host:port/ (no database name)
    name: str = field(default_factory=lambda: f"faults_{uuid.uuid4().hex[:8]}")
    can_restart: bool = False

    def database_url(self, database: str = "") -> str:
        return f"{self.admin_url.rstrip('/')}/{database or self.name}"

    def create(self) -> None:
        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def is_up(self) -> bool:
        return True

    def start(self) -> None:
        """Nothing to start: the shared server is never stopped by these tests."""

    def drop(self) -> None:
        with psycopg.connect(self.database_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
