"""Security notices to the account owner, on every channel the account has (DESIGN §4)."""

from __future__ import annotations

from accounts.models import User
from notifications.services import notification_send


def account_sms_destinations(user: User) -> list[tuple[str, int | None]]:
    """The school-declared mobiles of a parent (never one typed by the user), with the school
    that declared each; families who refused SMS are not texted."""
    if user.kind != User.Kind.PARENT:
        return []
    seen: dict[str, int | None] = {}
    for mobile, establishment_id in (
        user.guardian_records.filter(accepts_sms=True)
        .exclude(mobile="")
        .values_list("mobile", "establishment_id")
    ):
        seen.setdefault(mobile, establishment_id)
    return sorted(seen.items())


def notify_password_changed(user: User) -> int:
    """Tell the owner their password changed; returns how many messages were queued."""
    count = 0
    for mobile, establishment_id in account_sms_destinations(user):
        notification_send(
            channel="sms",
            destination=mobile,
            template="password_changed",
            context={"identifier": user.identifier},
            user=user,
            establishment=_establishment(establishment_id),
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


def _establishment(establishment_id: int | None):  # type: ignore[no-untyped-def]
    from accounts.models import Establishment

    if establishment_id is None:
        return None
    return Establishment.objects.filter(pk=establishment_id).first()
