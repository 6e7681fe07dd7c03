"""Typed errors of the recovery journeys; ``recovery.views.common.error_page`` turns each into
a page."""

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
    """The code is right but its lifetime (``recovery.codes.CODE_LIFETIME``) is over."""


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


# --- Self-registration's own errors -------------------------------------------------------


class NoChildConfirmed(RecoveryError):
    """Every child was answered *non*: there is nothing to attach an account to."""


class BirthDateMismatch(RecoveryError):
    """*oui* with a birth date that is not the school's; counted against the three tries."""

    def __init__(self, student_ids: list[int], remaining: int) -> None:
        super().__init__(student_ids, remaining)
        self.student_ids = student_ids
        self.remaining = remaining


class TooManyWrongBirthDates(RecoveryError):
    """Three wrong birth dates in all: the flow ends and the person contacts the school."""


class NoLegalChild(RecoveryError):
    """The records match but name no child at legal-guardian level: only the school can help."""


class AlreadyRegistered(RecoveryError):
    """The matched records were tied to an account meanwhile (replayed or concurrent finish)."""
