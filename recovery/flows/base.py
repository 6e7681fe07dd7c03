"""What every multi-step journey shares: its state lives in the session under one key, with
a lifetime, a step it must be at, and the resend cool-down.

A journey is one object with a small vocabulary (as django-allauth's code-verification
processes): *initiate* (start, send), *resume* (rebuild the state kept server-side, or
``FlowExpired`` if missing, expired or at another step), *confirm* (check a code, count the
try), *finish* (do the effect once). A later step cannot be reached by posting to its URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import QuerySet
from django.utils import timezone

from core.ratelimits import AttemptLimit
from recovery import codes
from recovery.errors import CodeInvalid, FlowExpired, ResendTooSoon, TooManyAttempts
from recovery.models import VerificationCode

# Five wrong codes per journey (``codes.MAX_ATTEMPTS``), counted outside the session.
JOURNEY_TRIES = AttemptLimit(
    name="journey-code-tries",
    limit=codes.MAX_ATTEMPTS,
    window_seconds=int(2 * codes.CODE_LIFETIME.total_seconds()),
)


def new_journey() -> str:
    """A journey's random id, given at *initiate*: what its tries are counted under (the same
    for parallel requests of one browser, unlike anything they would each write)."""
    return secrets.token_urlsafe(16)


def now_ts() -> float:
    return timezone.now().timestamp()


@dataclass
class SessionFlow:
    """A journey's state, kept server-side so a later step cannot be reached by posting to it."""

    session: SessionBase
    session_key: ClassVar[str]
    # A journey outlives its code, so a code typed late is told "expired" rather than lost;
    # each step after the code gets as long again.
    lifetime: ClassVar[timedelta] = 2 * codes.CODE_LIFETIME

    def _state(self) -> dict[str, Any]:
        return dict(self.session.get(self.session_key) or {})

    def _save(self, state: dict[str, Any]) -> None:
        self.session[self.session_key] = state

    def _grant(self, state: dict[str, Any]) -> None:
        """Save a state that lets this browser do more (a right code, an opened reset link, a
        new password): under a new session key, so that a session cookie planted beforehand
        cannot ride on it (session fixation)."""
        self._save(state)
        self.session.cycle_key()

    def clear(self) -> None:
        self.session.pop(self.session_key, None)

    def step(self) -> str | None:
        return self._state().get("step")

    def resume(self, *steps: str) -> dict[str, Any]:
        """The state, if this session is at one of ``steps`` and the journey is still alive."""
        state = self._state()
        if state.get("step") not in steps:
            raise FlowExpired
        if now_ts() - float(state.get("started_at", 0)) > self.lifetime.total_seconds():
            self.clear()
            raise FlowExpired
        return state

    def resend_wait_seconds(self) -> int:
        """Seconds before this journey may ask for a new code or link (the cool-down)."""
        elapsed = now_ts() - float(self._state().get("sent_at", 0))
        return max(0, int(codes.RESEND_COOLDOWN.total_seconds() - elapsed + 0.999))

    def _check_resend(self) -> None:
        if wait := self.resend_wait_seconds():
            raise ResendTooSoon(wait)

    def _journey(self, state: dict[str, Any]) -> str:
        """The id of this journey (``new_journey``); a state kept from before it existed gets
        one now."""
        if not state.get("journey"):
            state["journey"] = new_journey()
            self._save(state)
        return str(state["journey"])

    def _check_code(
        self, state: dict[str, Any], candidates: QuerySet[VerificationCode], typed: str
    ) -> VerificationCode:
        """The code row ``typed`` redeems, or a typed error. Each try is counted before the
        code is compared, twice: for this journey (``JOURNEY_TRIES``, on the cache: five in
        all, then the journey ends) and for the live code (``codes.code_redeem``: five in all,
        whatever the journeys). Parallel requests each take their own try."""
        journey = self._journey(state)
        used = JOURNEY_TRIES.reserve(journey)
        if used is None:
            self.clear()
            raise TooManyAttempts
        row = codes.code_redeem(codes.recent_codes(candidates), typed, now=timezone.now())
        if row is not None:
            return row
        remaining = codes.MAX_ATTEMPTS - used - 1
        if remaining <= 0:
            self.clear()
            raise TooManyAttempts
        raise CodeInvalid(remaining)
