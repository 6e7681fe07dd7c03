"""Security notices to the account owner, on every channel the account has (DESIGN §4)."""

from __future__ import annotations

from accounts.models import Establishment, User
from notifications.services import notification_send


def account_sms_destinations(user: User) -> list[tuple[str, Establishment]]:
    """The school-declared mobiles of a parent (never one typed by the user), with the school
    that declared each; families who refused SMS are not texted."""
    if user.kind != User.Kind.PARENT:
        return []
    seen: dict[str, Establishment] = {}
    records = (
        user.guardian_records.filter(accepts_sms=True)
        .exclude(mobile="")
        .select_related("establishment")
        .order_by("pk")
    )
    for record in records:
        seen.setdefault(record.mobile, record.establishment)
    return sorted(seen.items(), key=lambda item: item[0])


def notify_password_changed(user: User) -> int:
    """Tell the owner their password changed; returns how many messages were queued."""
    count = 0
    for mobile, establishment in account_sms_destinations(user):
        notification_send(
            channel="sms",
            destination=mobile,
            template="password_changed",
            context={"identifier": user.identifier},
            user=user,
            establishment=establishment,
        )
        count += 1
    if user.has_verified_email:
        notification_send(
            channel="email",
            destination=user.email,
            template="password_changed",
            context={"identifier": user.identifier},
            user=user,
        )
        count += 1
    return count
