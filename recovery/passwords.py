"""What happens whenever a password is set, in one place: by its owner after a reset or in Mon
compte, or by the secretariat as a temporary password.

The new password is stored (an owner's own password activates a school-created account), every
live reset code and link dies, the journal records it, the owner is told on every channel,
every other session ends, every service signed in through the portal is logged out
(back-channel logout) and the login lock of the identifier is lifted.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Establishment, User
from accounts.services import user_set_password
from accounts.sessions import sessions_end
from core.http import RequestFacts
from core.ratelimits import login_throttle_clear
from identity.backchannel import Reason, logout_everywhere
from notifications.notices import notify_account
from recovery import codes
from recovery.models import VerificationCode


def password_replace(
    *,
    user: User,
    new_password: str,
    event_type: str,
    facts: RequestFacts,
    actor: User | None = None,
    establishment: Establishment | None = None,
    must_change: bool = False,
    keep_session_key: str | None = None,
) -> None:
    """Set ``new_password`` and apply every after-change effect.

    ``actor`` is who set it (the owner when None), ``establishment`` the school in whose name
    (``accounts.scoping.acting_establishment``); a temporary password set by the secretariat
    (``must_change``) is not announced to the owner, who gets it on paper.
    ``keep_session_key`` is the session that made the change (Mon compte), which stays open.
    """
    now = timezone.now()
    with transaction.atomic():
        user_set_password(user=user, password=new_password, must_change=must_change)
        codes.codes_kill(
            codes=VerificationCode.objects.filter(
                user=user, purpose=VerificationCode.Purpose.PASSWORD_RESET
            ),
            now=now,
        )
        audit_event_record(
            event_type=event_type,
            subject=user,
            actor=actor or user,
            establishment=establishment,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )
        if not must_change:
            notify_account(user, "password_changed")
    sessions_end(user=user, except_key=keep_session_key)
    logout_everywhere(user, REASONS.get(event_type, Reason.PASSWORD_CHANGED))
    login_throttle_clear(identifier=user.identifier)


REASONS = {
    AuditEvent.Type.PASSWORD_RESET: Reason.PASSWORD_RESET,
    AuditEvent.Type.PASSWORD_CHANGED: Reason.PASSWORD_CHANGED,
    AuditEvent.Type.TEMPORARY_PASSWORD_SET: Reason.TEMPORARY_PASSWORD,
}
