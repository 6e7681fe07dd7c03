"""Notices: telling an account something on every channel it has (its school-declared mobiles
that accept SMS, its verified e-mail). The one function every "you should know" message uses."""

from __future__ import annotations

from typing import Any

from accounts.models import Establishment, User
from accounts.people import account_sms_destinations
from core.channels import Channel
from notifications.services import notification_send


def notify_account(
    user: User,
    template: str,
    *,
    context: dict[str, Any] | None = None,
    channels: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL),
    establishment: Establishment | None = None,
) -> int:
    """Queue ``template`` to each of the account's destinations on ``channels``; returns how
    many messages were queued. SMS go to every school mobile, each tagged with its school (or
    ``establishment`` when given), so each secretariat sees what was sent to its families."""
    context = {"identifier": user.identifier, **(context or {})}
    count = 0
    if Channel.SMS in channels:
        for mobile, school in account_sms_destinations(user):
            notification_send(
                channel=Channel.SMS,
                destination=mobile,
                template=template,
                context=context,
                user=user,
                establishment=establishment or school,
            )
            count += 1
    if Channel.EMAIL in channels and user.has_verified_email:
        notification_send(
            channel=Channel.EMAIL,
            destination=user.email,
            template=template,
            context=context,
            user=user,
            establishment=establishment,
        )
        count += 1
    return count
