"""Lost identifier (issue 4): by SMS to a school-declared mobile, or by e-mail to a verified one.

As for the lost password, the request path only remembers what was asked and enqueues
``recovery.deliver_identifier_reminder``; the task finds the accounts and sends. Every number
and every address gets the same page (DESIGN §4).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Guardian, User
from notifications.services import notification_send
from recovery.errors import FlowExpired

SESSION_KEY = "recovery.forgot_identifier"
SMS = "sms"
EMAIL = "email"
# A mobile shared by more accounts than this is not a family's: send to the first ones only.
MAX_ACCOUNTS_PER_REQUEST = 3


def _parent_accounts_for_mobile(mobile: str) -> list[User]:
    """Activated parent accounts whose school record holds ``mobile`` (and accepts SMS)."""
    guardians = Guardian.objects.filter(
        mobile=mobile,
        accepts_sms=True,
        account__is_active=True,
        account__activated_at__isnull=False,
        account__kind=User.Kind.PARENT,
    ).select_related("account", "establishment")
    accounts: dict[int, tuple[User, Guardian]] = {}
    for guardian in guardians.order_by("account_id", "pk"):
        accounts.setdefault(guardian.account_id, (guardian.account, guardian))  # type: ignore[arg-type]
    return [user for user, _guardian in accounts.values()][:MAX_ACCOUNTS_PER_REQUEST]


def _accounts_for_email(email: str) -> list[User]:
    return list(
        User.objects.filter(
            email__iexact=email.strip(),
            email_verified_at__isnull=False,
            is_active=True,
            activated_at__isnull=False,
        ).order_by("identifier")[:MAX_ACCOUNTS_PER_REQUEST]
    )


def identifier_reminder_deliver(*, channel: str, destination: str, ip_address: str = "") -> int:
    """Send the identifier(s) to ``destination``; returns how many accounts were reminded."""
    with transaction.atomic():
        if channel == SMS:
            accounts = _parent_accounts_for_mobile(destination)
            for user in accounts:
                notification_send(
                    channel="sms",
                    destination=destination,
                    template="identifier_reminder",
                    context={"identifier": user.identifier},
                    user=user,
                )
        elif channel == EMAIL:
            accounts = _accounts_for_email(destination)
            if accounts:
                notification_send(
                    channel="email",
                    destination=accounts[0].email,
                    template="identifier_reminder",
                    context={"identifiers": [user.identifier for user in accounts]},
                    user=accounts[0],
                )
        else:
            return 0
        for user in accounts:
            audit_event_record(
                event_type=AuditEvent.Type.IDENTIFIER_REMINDER_SENT,
                subject=user,
                ip_address=ip_address,
                details={"channel": channel},
            )
    return len(accounts)


@dataclass
class ForgotIdentifierFlow:
    """initiate → the "sent" page; the state only says which channel was used."""

    session: SessionBase

    def initiate(self, *, channel: str, destination: str, ip_address: str) -> None:
        from recovery import tasks

        self.session[SESSION_KEY] = {"channel": channel, "at": timezone.now().timestamp()}
        tasks.deliver_identifier_reminder.delay_on_commit(channel, destination, ip_address)

    def resume(self) -> dict[str, str]:
        state = self.session.get(SESSION_KEY)
        if not state:
            raise FlowExpired
        return dict(state)
