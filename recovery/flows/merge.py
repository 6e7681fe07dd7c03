"""« Regrouper avec un autre de mes comptes »: the signed-in person proves another account of
theirs, sees what will move, confirms; ``accounts.merge`` does the merge.

1. ``prove_with_password`` checks the other account's identifier and password with the login's
   throttle (``accounts.password_checks``): wrong tries slow down and lock like the login, and
   an unknown identifier, an account that may not sign in and a wrong password all give one
   error (``MergeProofFailed``), the same work done. Only after a right password may the
   refusal say why (two different people, a student and a parent...).
2. ``preview`` lists what the movers would move.
3. ``finish`` merges once, with the fingerprint taken at the proof: had the other account's
   password been reset (or anything else changed) since, the merge is refused cleanly. A
   second submission finds the journey done and merges nothing more.

``account_merge_apply`` is the merge with every after-effect of the layers above accounts (the
owner told on both accounts' channels, the closed account's services logged out by the
back-channel); the console calls it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.access import may_sign_in
from accounts.aliases import account_for_identifier
from accounts.merge import MergePreview, MergeResult, accounts_merge, merge_preview
from accounts.models import AuditEvent, User
from accounts.password_checks import password_check_failed, password_check_start
from core.http import RequestFacts
from identity.backchannel import Reason, logout_everywhere
from notifications.notices import notify_account
from recovery.errors import FlowExpired, RecoveryError
from recovery.flows.base import SessionFlow, now_ts

SESSION_KEY = "recovery.merge"
NOTICE = "accounts_merged"


class Step:
    PREVIEW = "preview"  # the other account was proved: show what moves, wait for "confirm"
    DONE = "done"


class MergeProofFailed(RecoveryError):
    """Unknown identifier, account that may not sign in, or wrong password: one message."""

    def __init__(self, locked: bool = False) -> None:
        super().__init__(locked)
        self.locked = locked


class MergeProofThrottled(RecoveryError):
    """Too many wrong passwords for this identifier or address (the login's throttle)."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def _announce(kept: User, closed: User) -> None:
    context = {"kept_identifier": kept.identifier, "closed_identifier": closed.identifier}
    notify_account(kept, NOTICE, context=context)
    notify_account(closed, NOTICE, context=context)


def _log_out_services(_kept: User, closed: User) -> None:
    logout_everywhere(closed, Reason.ACCOUNT_DEACTIVATED)


def account_prove(*, identifier: str, password: str, facts: RequestFacts) -> User:
    """The account ``identifier`` (canonical, an alias as the login reads it) if ``password``
    is its password and it may sign in; counted with the login's throttle. Raises
    ``MergeProofThrottled`` or ``MergeProofFailed`` (one error for every other case)."""
    attempt = password_check_start(identifier=identifier, facts=facts)
    if attempt.is_refused:
        raise MergeProofThrottled(attempt.wait_seconds)
    other = account_for_identifier(identifier)
    if other is None:
        User().set_password(password)  # the work of a wrong password
        right = False
    else:
        right = other.check_password(password) and may_sign_in(other)
    if not right or other is None:
        locked = password_check_failed(
            attempt=attempt, facts=facts, event_type=AuditEvent.Type.MERGE_PROOF_FAILED
        )
        raise MergeProofFailed(locked)
    attempt.succeeded()
    return other


def account_merge_apply(
    *, kept_id: int, closed_id: int, actor: User, facts: RequestFacts, fingerprint: str
) -> MergeResult:
    """``accounts.merge.accounts_merge`` with the notices and the back-channel logout."""
    return accounts_merge(
        kept_id=kept_id,
        closed_id=closed_id,
        actor=actor,
        facts=facts,
        fingerprint=fingerprint,
        announce=_announce,
        after_close=_log_out_services,
    )


@dataclass
class MergeFlow(SessionFlow):
    """prove_with_password → preview → finish, with the state in ``session``."""

    session_key = SESSION_KEY

    def prove_with_password(
        self, *, user: User, identifier: str, password: str, facts: RequestFacts
    ) -> MergePreview:
        """``identifier`` is canonical. Raises ``MergeProofThrottled``, ``MergeProofFailed``
        or ``accounts.merge.MergeRefused`` (the password was right; nothing is kept)."""
        self.clear()
        other = account_prove(identifier=identifier, password=password, facts=facts)
        preview = merge_preview(kept=user, closed=other)
        self._save(
            {
                "step": Step.PREVIEW,
                "kept_id": user.pk,
                "closed_id": other.pk,
                "fingerprint": preview.fingerprint,
                "started_at": now_ts(),
            }
        )
        return preview

    def _state_for(self, user: User, *steps: str) -> dict[str, Any]:
        state = self.resume(*steps)
        if state.get("kept_id") != user.pk:
            self.clear()
            raise FlowExpired
        return state

    def preview(self, *, user: User) -> MergePreview:
        state = self._state_for(user, Step.PREVIEW)
        closed = User.objects.filter(pk=state["closed_id"]).first()
        if closed is None:
            self.clear()
            raise FlowExpired
        try:
            return merge_preview(kept=user, closed=closed)
        except Exception:
            self.clear()
            raise

    def done_identifier(self, *, user: User) -> str:
        """The identifier merged by this journey, once done (the confirmation page)."""
        return str(self._state_for(user, Step.DONE).get("closed_identifier", ""))

    def finish(self, *, user: User, facts: RequestFacts) -> MergeResult | None:
        """Merge once; None when this journey already did (a second submission)."""
        state = self._state_for(user, Step.PREVIEW, Step.DONE)
        if state["step"] == Step.DONE:
            return None
        try:
            result = account_merge_apply(
                kept_id=user.pk,
                closed_id=state["closed_id"],
                actor=user,
                facts=facts,
                fingerprint=state["fingerprint"],
            )
        except Exception:
            self.clear()
            raise
        closed = User.objects.get(pk=state["closed_id"])
        self._save(
            {
                "step": Step.DONE,
                "kept_id": user.pk,
                "closed_identifier": closed.identifier,
                "started_at": now_ts(),
            }
        )
        return result
