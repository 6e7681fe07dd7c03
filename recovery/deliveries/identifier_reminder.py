"""Worker side of a lost identifier: find the accounts behind a mobile or an e-mail, send.

Runs in ``recovery.deliver_identifier_reminder``; every number and every address gets the same
page, whatever is found here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Guardian, User
from core.channels import Channel
from core.links import absolute_url
from notifications.services import notification_send

# A mobile shared by more accounts than this is not a family's: send to the first ones only.
MAX_ACCOUNTS_PER_REQUEST = 3


def parent_accounts_for_mobile(mobile: str) -> list[User]:
    """Activated parent accounts whose school record holds ``mobile`` (and accepts SMS)."""
    guardians = Guardian.objects.filter(
        mobile=mobile,
        accepts_sms=True,
        account__is_active=True,
        account__activated_at__isnull=False,
        account__kind=User.Kind.PARENT,
    ).select_related("account", "establishment")
    accounts: dict[int, User] = {}
    for guardian in guardians.order_by("account_id", "pk"):
        accounts.setdefault(guardian.account_id, guardian.account)  # type: ignore[arg-type]
    return list(accounts.values())[:MAX_ACCOUNTS_PER_REQUEST]


def accounts_for_email(email: str) -> list[User]:
    return list(
        User.objects.filter(
            email__iexact=email.strip(),
            email_verified_at__isnull=False,
            is_active=True,
            activated_at__isnull=False,
        ).order_by("identifier")[:MAX_ACCOUNTS_PER_REQUEST]
    )


def _remind_by_sms(mobile: str, accounts: list[User]) -> None:
    for user in accounts:
        notification_send(
            channel=Channel.SMS,
            destination=mobile,
            template="identifier_reminder",
            context={"identifier": user.identifier, "login_url": absolute_url("accounts:login")},
            user=user,
        )


def _remind_by_email(email: str, accounts: list[User]) -> None:
    if accounts:
        notification_send(
            channel=Channel.EMAIL,
            destination=accounts[0].email,
            template="identifier_reminder",
            context={
                "identifiers": [user.identifier for user in accounts],
                "login_url": absolute_url("accounts:login"),
            },
            user=accounts[0],
        )


LOOKUPS: dict[Channel, tuple[Callable[[str], list[User]], Callable[[str, list[User]], None]]] = {
    Channel.SMS: (parent_accounts_for_mobile, _remind_by_sms),
    Channel.EMAIL: (accounts_for_email, _remind_by_email),
}


def identifier_reminder_deliver(*, channel: str, destination: str, ip_address: str = "") -> int:
    """Send the identifier(s) to ``destination``; returns how many accounts were reminded."""
    try:
        find, remind = LOOKUPS[Channel(channel)]
    except ValueError:
        return 0
    with transaction.atomic():
        accounts = find(destination)
        remind(destination, accounts)
        for user in accounts:
            audit_event_record(
                event_type=AuditEvent.Type.IDENTIFIER_REMINDER_SENT,
                subject=user,
                ip_address=ip_address,
                details={"channel": channel},
            )
    return len(accounts)
