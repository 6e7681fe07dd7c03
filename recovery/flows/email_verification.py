"""E-mail verification from Mon compte: new address → single-use link → verified.

*initiate* sends a link to the new address (the verified one stays until the link is used),
*open_link* moves the token from the URL into the session, *resume* finds the live link for
the signed-in account, *finish* makes the address the verified one once, kills the reset links
the previous address received and tells it. A link is bound to the address it was sent to and
to the account that asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from accounts.services import user_email_set
from core.channels import Channel
from core.http import RequestFacts
from core.links import absolute_url
from core.text import canonical_email
from notifications.services import notification_send
from recovery import codes
from recovery.errors import LinkInvalid
from recovery.flows.base import SessionFlow, now_ts
from recovery.models import VerificationCode

SESSION_KEY = "recovery.email_verification"
PURPOSE = VerificationCode.Purpose.EMAIL_VERIFICATION


class Step:
    LINK = "link"


@dataclass
class EmailVerificationFlow(SessionFlow):
    session_key = SESSION_KEY
    lifetime = codes.EMAIL_LINK_LIFETIME

    @staticmethod
    def initiate(*, user: User, new_email: str, facts: RequestFacts) -> None:
        """Send a single-use link to ``new_email``; the verified address stays until it is used."""
        token = codes.new_link_token()
        with transaction.atomic():
            codes.code_issue(
                purpose=PURPOSE,
                channel=Channel.EMAIL,
                destination=new_email,
                user_id=user.pk,
                secret=token,
                now=timezone.now(),
                lifetime=codes.EMAIL_LINK_LIFETIME,
            )
            notification_send(
                channel=Channel.EMAIL,
                destination=new_email,
                template="email_verification",
                context={"identifier": user.identifier, **codes.lifetimes()},
                secrets={"link": absolute_url("myaccount:verify_email_link", token)},
                user=user,
            )
            audit_event_record(
                event_type=AuditEvent.Type.EMAIL_CHANGE_REQUESTED,
                subject=user,
                actor=user,
                ip_address=facts.ip_address,
                user_agent=facts.user_agent,
            )

    def open_link(self, token: str) -> None:
        """Keep the token out of the address bar and Referer: in the session until used."""
        self._save({"step": Step.LINK, "token": token[:100], "started_at": now_ts()})

    def link(self, user: User) -> VerificationCode:
        """The live link opened in this session, for ``user``; LinkInvalid otherwise."""
        token = self._state().get("token", "")
        row = codes.link_lookup(purpose=PURPOSE, token=token) if token else None
        if (
            row is None
            or row.user_id != user.pk
            or row.is_consumed
            or row.is_expired(timezone.now())
        ):
            self.clear()
            raise LinkInvalid
        return row

    def finish(self, *, user: User, facts: RequestFacts) -> str:
        """Make the new address the verified one; the reset links the previous one received
        die and it is told. Returns the new address."""
        with transaction.atomic():
            row = self.link(user)
            claimed = VerificationCode.objects.filter(pk=row.pk, consumed_at=None).update(
                consumed_at=timezone.now()
            )
            if not claimed:
                self.clear()
                raise LinkInvalid
            previous = user.email if user.has_verified_email else ""
            user_email_set(user=user, email=row.destination, verified=True)
            killed = 0
            if previous and canonical_email(previous) != user.email_key:
                killed = codes.email_links_kill(user_id=user.pk, now=timezone.now())
                notification_send(
                    channel=Channel.EMAIL,
                    destination=previous,
                    template="email_changed",
                    context={"identifier": user.identifier},
                    user=user,
                )
            audit_event_record(
                event_type=AuditEvent.Type.EMAIL_VERIFIED,
                subject=user,
                actor=user,
                ip_address=facts.ip_address,
                user_agent=facts.user_agent,
                details={"codes_killed": killed},
            )
        self.clear()
        return row.destination
