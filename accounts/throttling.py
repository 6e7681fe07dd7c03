"""Login throttling (DESIGN §4, issue 4): failures slow down, then lock for 15 minutes.

Counted per identifier *as typed* (folded), not per account, so an unknown identifier is slowed
and locked exactly like a real one and a lock reveals nothing; and per client IP, with higher
thresholds since a school or a family shares one address. Nothing sleeps on the server: a try
that comes before its delay has passed is refused with the time to wait. A successful login
clears the identifier's count, and so does a successful password reset.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

LOCK_SECONDS = 15 * 60


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


IDENTIFIER_POLICY = Policy(delay_after=3, lock_after=10, max_delay=60)
IP_POLICY = Policy(delay_after=20, lock_after=100, max_delay=60)


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"login-throttle:{scope}:{digest}"


def _scopes(identifier: str, ip: str) -> list[tuple[str, Policy]]:
    scopes = [(_key("ip", ip), IP_POLICY)]
    if identifier.strip():
        scopes.append((_key("identifier", identifier), IDENTIFIER_POLICY))
    return scopes


def login_wait_seconds(*, identifier: str, ip: str) -> int:
    """How long this identifier or this address must still wait before trying (0: go ahead)."""
    now = time.time()
    wait = 0.0
    scopes = _scopes(identifier, ip)
    counts = cache.get_many([key for key, _policy in scopes])  # one round trip on every login
    for key, policy in scopes:
        failures, last_at = counts.get(key, (0, 0.0))
        if delay := policy.wait_after(failures):
            wait = max(wait, last_at + delay - now)
    return max(0, int(wait + 0.999))


def login_is_locked(*, identifier: str) -> bool:
    """Whether the identifier is in its 15-minute lock (not merely slowed down)."""
    failures, _last_at = cache.get(_key("identifier", identifier), (0, 0.0))
    return bool(failures >= IDENTIFIER_POLICY.lock_after)


def login_failure_record(*, identifier: str, ip: str) -> bool:
    """Count one failed login; True when it just locked the identifier."""
    now = time.time()
    locked = False
    for key, policy in _scopes(identifier, ip):
        failures, _last_at = cache.get(key, (0, 0.0))
        failures += 1
        cache.set(key, (failures, now), timeout=LOCK_SECONDS)
        if policy is IDENTIFIER_POLICY and failures == policy.lock_after:
            locked = True
    return locked


def login_throttle_clear(*, identifier: str) -> None:
    """A successful login or password reset lifts the identifier's delay and lock."""
    cache.delete(_key("identifier", identifier))
