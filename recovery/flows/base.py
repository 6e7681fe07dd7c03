"""What every multi-step flow shares: its state lives in the session under one key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.contrib.sessions.backends.base import SessionBase


@dataclass
class SessionFlow:
    """A flow's state, kept server-side so a later step cannot be reached by posting to it."""

    session: SessionBase
    session_key: ClassVar[str]

    def _state(self) -> dict[str, Any]:
        return dict(self.session.get(self.session_key) or {})

    def _save(self, state: dict[str, Any]) -> None:
        self.session[self.session_key] = state

    def clear(self) -> None:
        self.session.pop(self.session_key, None)
