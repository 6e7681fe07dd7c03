"""Worker side of a lost identifier: find the accounts behind a mobile or an e-mail, send.

Runs in ``recovery.deliver_identifier_reminder``; every number and every address gets the same
page, whatever is found here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from accounts.access import may_sign_in_q
from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Guardian, User
from core.channels import Channel
from core.links import absolute_url
from core.text import canonical_email
from notifications.services import notification_send

# A mobile shared by more accounts than this is not a family's: send to the first ones only.
MAX_ACCOUNTS_PER_REQUEST = 3


def _guardians_for_mobile(mobile: str) -> dict[int, Guardian]:
    """Per parent account that may sign in (``accounts.access``), its first school record
    holding ``mobile`` and accepting SMS."""
    guardians = Guardian.objects.filter(
        may_sign_in_q("account__"), mobile=mobile, accepts_sms=True, account__kind=User.Kind.PARENT
    ).select_related("account", "establishment")
    found: dict[int, Guardian] = {}
    for guardian in guardians.order_by("account_id", "pk"):
        found.setdefault(guardian.account_id, guardian)  # type: ignore[arg-type]
    return dict(list(found.items())[:MAX_ACCOUNTS_PER_REQUEST])


def parent_accounts_for_mobile(mobile: str) -> list[User]:
    """Parent accounts that may sign in whose school record holds ``mobile`` (accepting SMS)."""
    return [guardian.account for guardian in _guardians_for_mobile(mobile).values()]  # type: ignore[misc]


def accounts_for_email(email: str) -> list[User]:
    """Accounts that may sign in whose verified address has the key of ``email``: an exact
    match on ``User.email_key`` (``core.text.canonical_email``), the key the rate limits count
    on, never a database case-insensitive match (PostgreSQL's ``UPPER`` folds ``ı`` to ``I``)."""
    return list(
        User.objects.filter(
            may_sign_in_q(), email_key=canonical_email(email), email_verified_at__isnull=False
        ).order_by("identifier")[:MAX_ACCOUNTS_PER_REQUEST]
    )


def _remind_by_sms(mobile: str, accounts: list[User]) -> None:
    """Each SMS is tagged with the school whose record holds the number, so only that school's
    secretariat sees it."""
    schools = {pk: guardian.establishment for pk, guardian in _guardians_for_mobile(mobile).items()}
    for user in accounts:
        notification_send(
            channel=Channel.SMS,
            destination=mobile,
            template="identifier_reminder",
            context={"identifier": user.identifier, "login_url": absolute_url("accounts:login")},
            user=user,
            establishment=schools.get(user.pk),
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
    with transaction.atomic(savepoint=False):  # one transaction with the caller's, if any
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
