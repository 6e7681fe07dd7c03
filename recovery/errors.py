"""Typed errors of the recovery flows; ``recovery.views.error_page`` turns each into a page."""

from __future__ import annotations


class RecoveryError(Exception):
    """Base of every error a recovery flow step can raise."""


class FlowExpired(RecoveryError):
    """No flow in this session, a step skipped, or the flow is older than its lifetime."""


class CodeInvalid(RecoveryError):
    """The code typed is not the one sent (counted as one try)."""

    def __init__(self, remaining: int) -> None:
        super().__init__(remaining)
        self.remaining = remaining


class CodeExpired(RecoveryError):
    """The code is right but its 30 minutes are over."""


class CodeUsed(RecoveryError):
    """The code was already used, or a newer code replaced it."""


class TooManyAttempts(RecoveryError):
    """Five wrong codes: this code is dead and the flow starts over."""


class LinkInvalid(RecoveryError):
    """The e-mail link is unknown, used, replaced by a newer one or expired."""


class ResendTooSoon(RecoveryError):
    """A new code was asked for less than a minute after the previous one."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds
