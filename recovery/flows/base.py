"""What every multi-step flow shares: its state lives in the session under one key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import F

from recovery import codes
from recovery.errors import CodeInvalid, TooManyAttempts
from recovery.models import VerificationCode


@dataclass
class SessionFlow:
    """A flow's state, kept server-side so a later step cannot be reached by posting to it."""

    session: SessionBase
    session_key: ClassVar[str]

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

    def _refuse_when_out_of_tries(self, state: dict[str, Any]) -> None:
        if state["attempts"] >= codes.MAX_ATTEMPTS:
            self.clear()
            raise TooManyAttempts

    def _count_wrong_try(self, state: dict[str, Any], latest: VerificationCode | None) -> NoReturn:
        """A wrong code: one try less for this flow and for the live code, then CodeInvalid
        (or TooManyAttempts, which ends the flow)."""
        state["attempts"] += 1
        # The same UPDATE runs when there is no live code, so a wrong try costs the same.
        live_pk = latest.pk if latest is not None and not latest.is_consumed else 0
        VerificationCode.objects.filter(pk=live_pk).update(attempts=F("attempts") + 1)
        self._refuse_when_out_of_tries(state)
        self._save(state)
        raise CodeInvalid(codes.MAX_ATTEMPTS - state["attempts"])
