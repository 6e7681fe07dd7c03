"""« Regrouper avec un autre de mes comptes »: the signed-in person proves another account of
theirs, sees what will move, confirms; ``accounts.merge`` does the merge.

1. The person proves the other account, one of two ways:

   - ``prove_with_password`` checks its identifier and password with the login's throttle
     (``accounts.password_checks``): wrong tries slow down and lock like the login, and an
     unknown identifier, an account that may not sign in and a wrong password all give one
     error (``MergeProofFailed``), the same work done;
   - ``request_code`` keeps the identifier in the session and enqueues
     ``recovery.deliver_merge_code`` (``recovery.deliveries.merge_code``), which alone looks
     the account up and sends a code to its school-held mobiles when the merge rules allow
     it: every identifier gets the same page. ``confirm_code`` checks the typed code (its own
     purpose, the journey's and the code's five tries, ``SessionFlow._check_code``).

   Only after a right password or code may the refusal say why (two different people, a
   student and a parent...). The signed-in account's own identifiers are refused at once.
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
from accounts.aliases import account_for_identifier, is_own_identifier
from accounts.merge import (
    MergePreview,
    MergeRefused,
    MergeResult,
    accounts_merge,
    merge_preview,
)
from accounts.models import AuditEvent, User
from accounts.password_checks import password_check_failed, password_check_start
from core.channels import Channel
from core.http import RequestFacts
from identity.backchannel import Reason, logout_everywhere
from notifications.notices import notify_account
from recovery import tasks
from recovery.errors import FlowExpired, RecoveryError
from recovery.flows.base import SessionFlow, new_journey, now_ts
from recovery.models import VerificationCode

SESSION_KEY = "recovery.merge"
NOTICE = "accounts_merged"
PURPOSE = VerificationCode.Purpose.ACCOUNT_MERGE


class Step:
    CODE = "code"  # a merge code may have been sent to the other account; waiting for it
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
    """(prove_with_password | request_code → confirm_code) → preview → finish, with the state
    in ``session``."""

    session_key = SESSION_KEY

    def prove_with_password(
        self, *, user: User, identifier: str, password: str, facts: RequestFacts
    ) -> MergePreview:
        """``identifier`` is canonical. Raises ``MergeProofThrottled``, ``MergeProofFailed``
        or ``accounts.merge.MergeRefused`` (the password was right; nothing is kept)."""
        self.clear()
        other = account_prove(identifier=identifier, password=password, facts=facts)
        return self._proved(user=user, other=other)

    def _proved(self, *, user: User, other: User) -> MergePreview:
        """The other account is proved: keep what the preview and the merge need (under the
        same session key: the signed-in session's key was cycled at login, and Mon compte's
        session list knows it by that key)."""
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

    def request_code(self, *, user: User, identifier: str, ip_address: str) -> None:
        """Remember the request and enqueue the merge code; identical for every identifier
        but the signed-in account's own ones (``MergeRefused("same")``, nothing sent).

        ``identifier`` is canonical (``core.fields.IdentifierField``)."""
        self.clear()
        if is_own_identifier(user, identifier):
            raise MergeRefused("same")
        self._save(
            {
                "step": Step.CODE,
                "kept_id": user.pk,
                "identifier": identifier,
                "journey": new_journey(),
                "started_at": now_ts(),
                "sent_at": now_ts(),
            }
        )
        tasks.enqueue_merge_code(identifier=identifier, requester_id=user.pk, ip_address=ip_address)

    def code_identifier(self, *, user: User) -> str:
        """The identifier a merge code was asked for (the code page names it)."""
        return str(self._state_for(user, Step.CODE)["identifier"])

    def resend_code(self, *, user: User, ip_address: str) -> None:
        """Ask for a new merge code for the same identifier, after the cool-down."""
        state = self._state_for(user, Step.CODE)
        self._check_resend()
        self.request_code(user=user, identifier=state["identifier"], ip_address=ip_address)

    def confirm_code(self, *, user: User, candidate: str) -> MergePreview:
        """Check a typed merge code; a right one proves the other account, as its password
        would. Raises ``CodeInvalid``, ``CodeExpired``, ``CodeUsed``, ``TooManyAttempts``,
        ``FlowExpired`` or ``accounts.merge.MergeRefused`` (the code was right)."""
        state = self._state_for(user, Step.CODE)
        other = account_for_identifier(state["identifier"])  # an alias as the login reads it
        # The same query whether or not the identifier is known (no id 0): nothing to time.
        candidates = VerificationCode.objects.filter(
            purpose=PURPOSE, channel=Channel.SMS, user_id=other.pk if other is not None else 0
        )
        row = self._check_code(state, candidates, candidate)
        proved = other if other is not None and row.user_id == other.pk else None
        if proved is None or not may_sign_in(proved):
            self.clear()
            raise FlowExpired
        try:
            return self._proved(user=user, other=proved)
        except MergeRefused:
            self.clear()
            raise

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
