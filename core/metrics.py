"""Operators' counters and histograms, kept where every process of every node adds to one total.

The portal runs as several gunicorn workers on one or more nodes and as Celery workers in other
containers. prometheus-client's multiprocess mode sums only the processes that share one
directory on one machine, so it would give one node's share and miss the workers. Instead each
increment is one ``HINCRBY`` (a histogram: one pipeline of two commands) on the Redis the
portal already uses, and ``/metrics`` reads the totals at scrape (``RedisCollector``): any node
answers for the whole deployment, and a counter survives a process restart. Without Redis
(the embedded run, unit tests on SQLite) the counts stay in the process.

Rules that keep this safe and cheap:

- label values are code constants (an outcome, a channel, a policy name), never what a person
  typed: a label can never tell whether an account exists, nor grow without bound
  (``_label`` refuses anything but short lower-case words);
- an increment never fails the request or the task that makes it: Redis unreachable, the
  metric is lost (logged once a minute at most), the login or the send goes on;
- the socket timeouts are short (250 ms), so a Redis outage costs a request little more.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

logger = logging.getLogger(__name__)

KEY_PREFIX = "educonnect:metrics:"
LABEL_VALUE = re.compile(r"^[a-z0-9_]{1,40}$")
SEPARATOR = "|"
TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True)
class CounterSpec:
    name: str  # without the ``_total`` suffix (prometheus-client adds it)
    documentation: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class HistogramSpec:
    name: str
    documentation: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...]


# --- what is counted (docs/OPERATIONS.md lists each with its meaning) ------------------------

LOGINS = CounterSpec(
    "portal_logins",
    "Login attempts by outcome (succeeded, failed, throttled, locked) and method.",
    ("outcome", "method"),
)
CODES_ISSUED = CounterSpec(
    "portal_codes_issued",
    "Verification codes and links issued, by channel and purpose.",
    ("channel", "purpose"),
)
CODES_BLOCKED = CounterSpec(
    "portal_codes_blocked",
    "Codes and links not sent, by channel and reason (quota: the account's or number's "
    "cool-down and hourly/daily quota; budget: an SMS or e-mail budget refused the message).",
    ("channel", "reason"),
)
NOTIFICATION_SENDS = CounterSpec(
    "portal_notification_sends",
    "Provider calls made by the workers, by channel and outcome (sent, transient, permanent).",
    ("channel", "outcome"),
)
NOTIFICATIONS_BLOCKED = CounterSpec(
    "portal_notifications_blocked",
    "Messages refused by a budget before any provider call, by channel.",
    ("channel",),
)
RATE_LIMITED = CounterSpec(
    "portal_rate_limited",
    "Requests answered 429, by policy (a RATE_LIMITS action, or login).",
    ("policy",),
)
SEND_SECONDS = HistogramSpec(
    "portal_notification_send_seconds",
    "Time of one provider call (Twilio, SMTP) from a worker, by channel.",
    ("channel",),
    (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
IMPORT_SECONDS = HistogramSpec(
    "portal_roster_import_seconds",
    "Duration of a roster import, by mode (dry_run, apply) and outcome (ok, refused).",
    ("mode", "outcome"),
    (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0),
)

COUNTERS = (
    LOGINS,
    CODES_ISSUED,
    CODES_BLOCKED,
    NOTIFICATION_SENDS,
    NOTIFICATIONS_BLOCKED,
    RATE_LIMITED,
)
HISTOGRAMS = (SEND_SECONDS, IMPORT_SECONDS)


# --- storage ------------------------------------------------------------------------------


class _Store:
    """Redis when ``REDIS_URL`` is set, else a dict in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local: dict[str, Counter[str]] = {}
        self._client: redis.Redis | None = None
        self._url = ""
        self._last_warning = 0.0

    def client(self) -> redis.Redis | None:
        url = getattr(settings, "REDIS_URL", "")
        if not url:
            return None
        if self._client is None or url != self._url:
            self._client = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
            )
            self._url = url
        return self._client

    def add(self, increments: Iterable[tuple[str, str, float]]) -> None:
        client = self.client()
        items = list(increments)
        if client is None:
            with self._lock:
                for key, fieldname, amount in items:
                    self._local.setdefault(key, Counter())[fieldname] += amount  # type: ignore[assignment]
            return
        try:
            pipe = client.pipeline(transaction=False)
            for key, fieldname, amount in items:
                if float(amount).is_integer():
                    pipe.hincrby(key, fieldname, int(amount))
                else:
                    pipe.hincrbyfloat(key, fieldname, amount)
            pipe.execute()
        except redis.RedisError as error:
            self._warn(error)

    def read(self, keys: list[str]) -> list[dict[str, float]]:
        client = self.client()
        if client is None:
            with self._lock:
                return [dict(self._local.get(key, {})) for key in keys]
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        return [
            {name.decode(): float(value) for name, value in answer.items()}
            for answer in pipe.execute()
        ]

    def clear(self) -> None:
        """Forget every count (tests only)."""
        with self._lock:
            self._local.clear()
        client = self.client()
        if client is not None:
            keys = [KEY_PREFIX + spec.name for spec in (*COUNTERS, *HISTOGRAMS)]
            client.delete(*keys)

    def _warn(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning > 60:
            self._last_warning = now
            logger.warning("metrics not recorded (Redis unreachable): %s", error)


_store = _Store()


def _label(value: str) -> str:
    if not LABEL_VALUE.match(value):
        raise ValueError(f"metric label value {value!r} is not a short lower-case word")
    return value


def _field(spec: CounterSpec | HistogramSpec, labels: dict[str, str]) -> str:
    if set(labels) != set(spec.labels):
        raise ValueError(f"{spec.name} takes the labels {spec.labels}, got {sorted(labels)}")
    return SEPARATOR.join(_label(str(labels[name])) for name in spec.labels)


_batch: contextvars.ContextVar[list[tuple[str, str, float]] | None] = contextvars.ContextVar(
    "metrics_batch", default=None
)


def _add(increments: list[tuple[str, str, float]]) -> None:
    pending = _batch.get()
    if pending is None:
        _store.add(increments)
    else:
        pending.extend(increments)


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """The increments made inside go to the store together at the end, in one round trip
    (a send counts its outcome and observes its latency: one pipeline, not two). They are
    stored even when the block raises; inside another ``batched``, the outer one stores them."""
    if _batch.get() is not None:
        yield
        return
    pending: list[tuple[str, str, float]] = []
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
        if pending:
            _store.add(pending)


def count(spec: CounterSpec, amount: int = 1, **labels: str) -> None:
    """Add ``amount`` to a counter; never raises for a storage failure."""
    _add([(KEY_PREFIX + spec.name, _field(spec, labels), amount)])


def observe(spec: HistogramSpec, value: float, **labels: str) -> None:
    """Record one observation: its bucket (the first bound it fits under) and the sum."""
    base = _field(spec, labels)
    bucket = next((str(bound) for bound in spec.buckets if value <= bound), "+Inf")
    key = KEY_PREFIX + spec.name
    _add([(key, f"{base}{SEPARATOR}le={bucket}", 1), (key, f"{base}{SEPARATOR}sum", value)])


class timed:  # noqa: N801 - used as a context manager, like contextlib's
    """``with timed(SEND_SECONDS, channel="sms"):`` observes the block's duration."""

    def __init__(self, spec: HistogramSpec, **labels: str) -> None:
        self.spec, self.labels = spec, labels

    def __enter__(self) -> timed:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        observe(self.spec, time.perf_counter() - self.started, **self.labels)


def clear() -> None:
    _store.clear()


# --- reading them at scrape ------------------------------------------------------------------


class StoredCollector:
    """Yields every counter and histogram from the store, summed over all processes."""

    def collect(self) -> Iterator[Metric]:
        specs: list[Any] = [*COUNTERS, *HISTOGRAMS]
        try:
            values = _store.read([KEY_PREFIX + spec.name for spec in specs])
        except redis.RedisError as error:  # the scrape still gives the database's gauges
            logger.warning("metrics not read (Redis unreachable): %s", error)
            return
        for spec, stored in zip(specs, values, strict=True):
            if isinstance(spec, CounterSpec):
                yield _counter(spec, stored)
            else:
                yield _histogram(spec, stored)


def _counter(spec: CounterSpec, stored: dict[str, float]) -> CounterMetricFamily:
    family = CounterMetricFamily(spec.name, spec.documentation, labels=spec.labels)
    for fieldname, value in sorted(stored.items()):
        family.add_metric(fieldname.split(SEPARATOR), value)
    return family


def _histogram(spec: HistogramSpec, stored: dict[str, float]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(spec.name, spec.documentation, labels=spec.labels)
    series: dict[str, dict[str, float]] = {}
    for fieldname, value in stored.items():
        base, _sep, part = fieldname.rpartition(SEPARATOR)
        series.setdefault(base, {})[part] = value
    for base, parts in sorted(series.items()):
        cumulative, buckets = 0.0, []
        for bound in (*[str(b) for b in spec.buckets], "+Inf"):
            cumulative += parts.get(f"le={bound}", 0.0)
            buckets.append((bound, cumulative))
        family.add_metric(base.split(SEPARATOR), buckets, parts.get("sum", 0.0))
    return family
