"""What every multi-step journey shares: its state lives in the session under one key, with
a lifetime, a step it must be at, and the resend cool-down.

A journey is one object with a small vocabulary (as django-allauth's code-verification
processes): *initiate* (start, send), *resume* (rebuild the state kept server-side, or
``FlowExpired`` if missing, expired or at another step), *confirm* (check a code, count the
try), *finish* (do the effect once). A later step cannot be reached by posting to its URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, NoReturn

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import F
from django.utils import timezone

from recovery import codes
from recovery.errors import CodeInvalid, FlowExpired, ResendTooSoon, TooManyAttempts
from recovery.models import VerificationCode


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

    def _refuse_when_out_of_tries(self, state: dict[str, Any]) -> None:
        if state["attempts"] >= codes.MAX_ATTEMPTS:
            self.clear()
            raise TooManyAttempts

    def _count_wrong_try(self, state: dict[str, Any], latest: VerificationCode | None) -> NoReturn:
        """A wrong code: one try less for this journey and for the live code, then CodeInvalid
        (or TooManyAttempts, which ends the journey)."""
        state["attempts"] += 1
        # The same UPDATE runs when there is no live code, so a wrong try costs the same.
        live_pk = latest.pk if latest is not None and not latest.is_consumed else 0
        VerificationCode.objects.filter(pk=live_pk).update(attempts=F("attempts") + 1)
        self._refuse_when_out_of_tries(state)
        self._save(state)
        raise CodeInvalid(codes.MAX_ATTEMPTS - state["attempts"])
