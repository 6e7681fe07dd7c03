"""The one place for every rate limit: request limits and login throttling, read from settings.

Request limits (``settings.RATE_LIMITS``) map an action to ``"count/period/scope"`` rules joined
by commas, as django-allauth's ``ACCOUNT_RATE_LIMITS``, counted on the cache (Redis in
production) with atomic increments. A rule's window opens at the first try it counts and lasts
its period (the counter's expiry, kept by the cache's clock, the same for every node): no clock
boundary splits a burst, so "5 per 15 minutes" never lets 10 through across one. Scopes: ``key``
is what the person typed (identifier, phone, e-mail), ``account`` the signed-in account, ``ip``
the client address (IPv6 counted per /64, since one subscriber holds a whole /64); values reach
the cache only as a keyed hash.

Login throttling (``settings.LOGIN_THROTTLE``) is progressive: failures slow down, then lock for
``lock_seconds``. It is counted per identifier *as typed* (canonical), not per account, so an
unknown identifier is slowed and locked exactly like a real one and a lock reveals nothing; and
per client address, with higher thresholds since a school or a family shares one address.
Nothing sleeps on the server: a try that comes before its delay has passed is refused with the
time to wait. A successful login or password reset clears the identifier's count.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from dataclasses import dataclass, field
from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from core import metrics
from core.http import client_ip

SCOPES = {"key", "ip", "account"}
IPV6_PREFIX = 64


PERIOD_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rule:
    limit: int
    period_seconds: int
    scope: str

    @property
    def rate(self) -> str:
        return f"{self.limit}/{self.period_seconds}s"


def _period_seconds(period: str) -> int:
    """``"15m"`` is 900; ``"h"`` is 3600 (a missing multiplier is 1)."""
    number, unit = period[:-1], period[-1:]
    if unit not in PERIOD_UNITS or not (number == "" or number.isascii() and number.isdigit()):
        raise ValueError(f"unknown rate-limit period {period!r}")
    return (int(number) if number else 1) * PERIOD_UNITS[unit]


def rules(action: str) -> list[Rule]:
    parsed = []
    for part in settings.RATE_LIMITS[action].split(","):
        count, period, scope = part.strip().split("/")
        if scope not in SCOPES:
            raise ValueError(f"RATE_LIMITS[{action!r}]: unknown scope {scope!r}")
        parsed.append(Rule(limit=int(count), period_seconds=_period_seconds(period), scope=scope))
    return parsed


def hashed(value: str) -> str:
    """Phones, e-mails and identifiers never reach the cache in clear."""
    folded = value.strip().casefold()
    return salted_hmac("educonnect.ratelimit", folded, algorithm="sha256").hexdigest()


def ip_key(ip: str) -> str:
    """The address a limit counts: an IPv4 address, or the /64 network of an IPv6 one."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False))
    return str(address)


def _scope_value(request: HttpRequest, scope: str, key: str) -> str:
    if scope == "key":
        return key
    if scope == "account":
        user = getattr(request, "user", None)
        return f"user:{user.pk}" if user is not None and user.is_authenticated else ""
    return ip_key(client_ip(request))


def _request_key(action: str, rule: Rule, value: str) -> str:
    """One counter per action, rule and value; what was typed and the address reach the cache
    only hashed. A changed rate starts a new count."""
    return f"rl:{hashed(f'{action}:{rule.scope}:{rule.rate}:{value}')}"


def consume(request: HttpRequest, *, action: str, key: str = "") -> bool:
    """Count one try of ``action``; True when any of its limits is exceeded (then the caller
    answers 429, counted in ``portal_rate_limited_total`` under the action's name). Every rule
    counts the try, refused or not: someone who keeps trying stays refused."""
    limited = False
    for rule in rules(action):
        value = _scope_value(request, rule.scope, key)
        if not value:
            continue
        if _reserve(_request_key(action, rule, value), rule.period_seconds) > rule.limit:
            limited = True
    if limited:
        metrics.count(metrics.RATE_LIMITED, policy=action)
    return limited


def consume_or_429(request: HttpRequest, *, action: str, key: str = "") -> HttpResponse | None:
    """Call at the top of a view: a French 429 page when a limit is exceeded, else None."""
    if consume(request, action=action, key=key):
        return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)
    return None


# --- Tries counted before they are checked ----------------------------------------------


@dataclass(frozen=True)
class AttemptLimit:
    """At most ``limit`` tries of one thing per key (a journey, the mobile of a sign-up) in
    ``window_seconds`` from the first, counted on the cache (Redis in production) *before* the
    try is checked. A session-kept count lets parallel requests each read the same number;
    an atomic ``incr`` gives each its own, so they cannot all be checked."""

    name: str
    limit: int
    window_seconds: int

    def _key(self, key: str) -> str:
        return f"attempts:{self.name}:{hashed(key)}"

    def _start_or_renew(self, cache_key: str) -> None:
        """The window runs from the first try, by the clock of this process (the cache's own
        expiry is only a backstop): a window that is over starts again from zero."""
        started = cache.get(f"{cache_key}:at")
        if started is not None and time.time() - float(started) >= self.window_seconds:
            cache.delete_many([cache_key, f"{cache_key}:at"])
        cache.add(f"{cache_key}:at", time.time(), timeout=self.window_seconds)

    def reserve(self, key: str, count: int = 1) -> int | None:
        """Take ``count`` tries at once; returns how many were used before them, or None (and
        takes nothing) when none is left."""
        cache_key = self._key(key)
        self._start_or_renew(cache_key)
        cache.add(cache_key, 0, timeout=self.window_seconds)
        try:
            total = int(cache.incr(cache_key, count))
        except ValueError:  # expired between add and incr
            cache.add(cache_key, count, timeout=self.window_seconds)
            total = count
        before = total - count
        if before >= self.limit:
            with contextlib.suppress(ValueError):
                cache.decr(cache_key, count)
            return None
        return before

    def used(self, key: str) -> int:
        cache_key = self._key(key)
        started = cache.get(f"{cache_key}:at")
        if started is not None and time.time() - float(started) >= self.window_seconds:
            return 0
        return int(cache.get(cache_key, 0))

    def clear(self, key: str) -> None:
        cache_key = self._key(key)
        cache.delete_many([cache_key, f"{cache_key}:at"])


# --- Login throttling ---------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    delay_after: int  # failures before each try has to wait
    lock_after: int  # failures that lock for LOCK_SECONDS
    max_delay: int  # seconds

    def wait_after(self, failures: int) -> int:
        """Seconds the next try must wait after ``failures`` failures (doubling, capped)."""
        if failures >= self.lock_after:
            return LOCK_SECONDS
        if failures < self.delay_after:
            return 0
        return int(min(2 ** (failures - self.delay_after + 1), self.max_delay))


LOCK_SECONDS: int = settings.LOGIN_THROTTLE["lock_seconds"]
IDENTIFIER_POLICY = Policy(**settings.LOGIN_THROTTLE["identifier"])
IP_POLICY = Policy(**settings.LOGIN_THROTTLE["ip"])


def _login_key(scope: str, value: str) -> str:
    return f"login-throttle:{scope}:{hashed(value)}"


def _login_scopes(identifier: str, ip: str) -> list[tuple[str, str, Policy]]:
    """(scope name, cache key, policy) of each count a password check goes into."""
    scopes = [("ip", _login_key("ip", ip_key(ip)), IP_POLICY)]
    if identifier:
        scopes.append(("identifier", _login_key("identifier", identifier), IDENTIFIER_POLICY))
    return scopes


def _wait(policy: Policy, failures: int, last_at: float, now: float) -> float:
    """Seconds still to wait after ``failures`` (the latest at ``last_at``). A lock holds as
    long as its count does (LOCK_SECONDS after the latest failure), whatever ``last_at``: the
    failures counted may still be in flight, not yet stamped."""
    delay = policy.wait_after(failures)
    if failures >= policy.lock_after:
        return float(LOCK_SECONDS) if not last_at else last_at + delay - now
    return last_at + delay - now if delay else 0.0


def login_wait_seconds(*, identifier: str, ip: str) -> int:
    """How long this identifier or this address must still wait before trying (0: go ahead).

    ``identifier`` is the canonical form (``core.text.canonical_identifier``)."""
    now = time.time()
    wait = 0.0
    scopes = _login_scopes(identifier, ip)
    keys = [key for _scope, key, _policy in scopes]
    values = cache.get_many([f"{key}:n" for key in keys] + [f"{key}:t" for key in keys])
    for _scope, key, policy in scopes:
        failures = int(values.get(f"{key}:n", 0))
        wait = max(wait, _wait(policy, failures, float(values.get(f"{key}:t", 0.0)), now))
    return max(0, int(wait + 0.999))


def login_is_locked(*, identifier: str) -> bool:
    """Whether the identifier is in its lock (not merely slowed down)."""
    failures = int(cache.get(f"{_login_key('identifier', identifier)}:n", 0))
    return failures >= IDENTIFIER_POLICY.lock_after


def _reserve(key: str, timeout: int) -> int:
    """Add one to a counter atomically and return it; a new counter lives ``timeout`` seconds,
    an existing one keeps its expiry (a refused try must not prolong a lock)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def _release(key: str) -> None:
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing left to give back
        cache.decr(key)


@dataclass
class LoginAttempt:
    """One password check (a login, or the current password asked again in Mon compte),
    counted *before* the password is compared.

    Each count (identifier, address) is incremented atomically first, and the check may
    compare only if the failures counted before it, in flight ones included, allow it. So
    parallel requests cannot all pass one reading of the count: at most ``lock_after``
    passwords are ever compared for an identifier per lock. Then exactly one of
    ``succeeded`` (the count of the identifier is cleared), ``failed`` or ``abandoned``
    (nothing was compared: the try is given back) ends it; a refused try
    (``wait_seconds``) was already given back.
    """

    identifier: str
    ip: str
    wait_seconds: int
    keys: dict[str, str] = field(default_factory=dict)  # scope name → cache key
    counts: dict[str, int] = field(default_factory=dict)  # scope name → count with this try

    @property
    def is_refused(self) -> bool:
        return self.wait_seconds > 0

    def succeeded(self) -> None:
        if self.is_refused:
            return
        login_throttle_clear(identifier=self.identifier)
        if "ip" in self.keys:
            _release(f"{self.keys['ip']}:n")

    def abandoned(self) -> None:
        if self.is_refused:
            return
        for key in self.keys.values():
            _release(f"{key}:n")

    def failed(self) -> bool:
        """Keep this try as a failure; True when it is the one that locked the identifier."""
        if self.is_refused:
            return False
        now = time.time()
        for key in self.keys.values():
            cache.touch(f"{key}:n", timeout=LOCK_SECONDS)
            cache.set(f"{key}:t", now, timeout=LOCK_SECONDS)
        return self.counts.get("identifier") == IDENTIFIER_POLICY.lock_after


def _counted(identifier: str, ip: str) -> LoginAttempt:
    attempt = LoginAttempt(identifier=identifier, ip=ip, wait_seconds=0)
    for scope, key, _policy in _login_scopes(identifier, ip):
        attempt.keys[scope] = key
        attempt.counts[scope] = _reserve(f"{key}:n", LOCK_SECONDS)
    return attempt


def login_attempt_start(*, identifier: str, ip: str) -> LoginAttempt:
    """Count a password check before it compares anything (``LoginAttempt``).

    ``identifier`` is canonical (``core.text.canonical_identifier``); empty when nothing
    usable was typed, then only the address counts."""
    now = time.time()
    scopes = _login_scopes(identifier, ip)
    stamps = cache.get_many([f"{key}:t" for _scope, key, _policy in scopes])
    attempt = _counted(identifier, ip)
    wait = 0.0
    for scope, key, policy in scopes:
        last_at = float(stamps.get(f"{key}:t", 0.0))
        wait = max(wait, _wait(policy, attempt.counts[scope] - 1, last_at, now))
    if wait > 0:
        attempt.abandoned()
        attempt.wait_seconds = max(1, int(wait + 0.999))
    return attempt


def login_failure_record(*, identifier: str, ip: str) -> bool:
    """Count one failed password check at once; True when it just locked the identifier."""
    return _counted(identifier, ip).failed()


def login_throttle_clear(*, identifier: str) -> None:
    """A successful login or password reset lifts the identifier's delay and lock."""
    key = _login_key("identifier", identifier)
    cache.delete_many([f"{key}:n", f"{key}:t"])
