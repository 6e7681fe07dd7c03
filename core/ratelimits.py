"""The one place for every rate limit: request limits and login throttling, read from settings.

Request limits (``settings.RATE_LIMITS``) map an action to ``"count/period/scope"`` rules joined
by commas, as django-allauth's ``ACCOUNT_RATE_LIMITS``; django-ratelimit counts them on the
cache (Redis in production) with atomic increments. Scopes: ``key`` is what the person typed
(identifier, phone, e-mail; only a keyed hash of it reaches the cache), ``account`` the signed-in
account, ``ip`` the client address (IPv6 counted per /64, since one subscriber holds a whole
/64).

Login throttling (``settings.LOGIN_THROTTLE``) is progressive: failures slow down, then lock for
``lock_seconds``. It is counted per identifier *as typed* (canonical), not per account, so an
unknown identifier is slowed and locked exactly like a real one and a lock reveals nothing; and
per client address, with higher thresholds since a school or a family shares one address.
Nothing sleeps on the server: a try that comes before its delay has passed is refused with the
time to wait. A successful login or password reset clears the identifier's count.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django_ratelimit.core import is_ratelimited

from core.http import client_ip

SCOPES = {"key", "ip", "account"}
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Rule:
    rate: str
    scope: str


def rules(action: str) -> list[Rule]:
    parsed = []
    for part in settings.RATE_LIMITS[action].split(","):
        count, period, scope = part.strip().split("/")
        if scope not in SCOPES:
            raise ValueError(f"RATE_LIMITS[{action!r}]: unknown scope {scope!r}")
        parsed.append(Rule(rate=f"{count}/{period}", scope=scope))
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
        return hashed(key) if key else ""
    if scope == "account":
        user = getattr(request, "user", None)
        return f"user:{user.pk}" if user is not None and user.is_authenticated else ""
    return ip_key(client_ip(request))


def consume(request: HttpRequest, *, action: str, key: str = "") -> bool:
    """Count one try of ``action``; True when any of its limits is exceeded."""
    limited = False
    for rule in rules(action):
        value = _scope_value(request, rule.scope, key)
        if not value:
            continue
        limited |= is_ratelimited(
            request,
            group=f"{action}.{rule.scope}",
            key=lambda _group, _request, value=value: value,
            rate=rule.rate,
            increment=True,
        )
    return limited


def consume_or_429(request: HttpRequest, *, action: str, key: str = "") -> HttpResponse | None:
    """Call at the top of a view: a French 429 page when a limit is exceeded, else None."""
    if consume(request, action=action, key=key):
        return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)
    return None


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


def _login_scopes(identifier: str, ip: str) -> list[tuple[str, Policy]]:
    scopes = [(_login_key("ip", ip_key(ip)), IP_POLICY)]
    if identifier:
        scopes.append((_login_key("identifier", identifier), IDENTIFIER_POLICY))
    return scopes


def login_wait_seconds(*, identifier: str, ip: str) -> int:
    """How long this identifier or this address must still wait before trying (0: go ahead).

    ``identifier`` is the canonical form (``core.text.canonical_identifier``)."""
    now = time.time()
    wait = 0.0
    scopes = _login_scopes(identifier, ip)
    keys = [key for key, _policy in scopes]
    values = cache.get_many([f"{key}:n" for key in keys] + [f"{key}:t" for key in keys])
    for key, policy in scopes:
        failures = int(values.get(f"{key}:n", 0))
        last_at = float(values.get(f"{key}:t", 0.0))
        if delay := policy.wait_after(failures):
            wait = max(wait, last_at + delay - now)
    return max(0, int(wait + 0.999))


def login_is_locked(*, identifier: str) -> bool:
    """Whether the identifier is in its lock (not merely slowed down)."""
    failures = int(cache.get(f"{_login_key('identifier', identifier)}:n", 0))
    return failures >= IDENTIFIER_POLICY.lock_after


def _increment(key: str, timeout: int) -> int:
    """Add one to a counter atomically (parallel failures each count), keeping it alive for
    ``timeout`` seconds after the latest one."""
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        count = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
    cache.touch(key, timeout=timeout)
    return count


def login_failure_record(*, identifier: str, ip: str) -> bool:
    """Count one failed login; True when it just locked the identifier."""
    now = time.time()
    locked = False
    for key, policy in _login_scopes(identifier, ip):
        failures = _increment(f"{key}:n", LOCK_SECONDS)
        cache.set(f"{key}:t", now, timeout=LOCK_SECONDS)
        if policy is IDENTIFIER_POLICY and failures == policy.lock_after:
            locked = True
    return locked


def login_throttle_clear(*, identifier: str) -> None:
    """A successful login or password reset lifts the identifier's delay and lock."""
    key = _login_key("identifier", identifier)
    cache.delete_many([f"{key}:n", f"{key}:t"])
