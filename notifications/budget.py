"""SMS budgets: the defence against SMS pumping (toll fraud through our sender).

Counted on the notification log itself, so every web process and worker shares one count.
A request that races past the limit by one message is acceptable; an attacker cannot.

A number's budget is kept apart for the security codes and links a person waits for and for
notices ("your password changed", "welcome", reminders): notices, which others can cause to be
sent, never use up the allowance of the code someone is standing at the counter for. The
global budget counts everything.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from core.channels import Channel
from notifications.models import Notification

# Messages that carry a code or a link a person asked for and is waiting for.
SECURITY_TEMPLATES = frozenset({"password_reset_code", "password_reset_link", "signup_code"})


def is_security_message(template: str) -> bool:
    return template in SECURITY_TEMPLATES


def sms_budget_exceeded(destination: str, now: datetime, *, template: str = "") -> str:
    """``""`` when an SMS to ``destination`` may be sent now, else which budget is spent."""
    sms = Notification.objects.filter(channel=Channel.SMS).exclude(
        status=Notification.Status.BLOCKED
    )
    hour_ago = now - timedelta(hours=1)
    if sms.filter(created_at__gte=hour_ago).count() >= settings.SMS_BUDGET_GLOBAL_PER_HOUR:
        return "global_hourly"
    to_destination = sms.filter(destination=destination)
    if is_security_message(template):
        to_destination = to_destination.filter(template__in=SECURITY_TEMPLATES)
    else:
        to_destination = to_destination.exclude(template__in=SECURITY_TEMPLATES)
    if (
        to_destination.filter(created_at__gte=hour_ago).count()
        >= settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR
    ):
        return "destination_hourly"
    if (
        to_destination.filter(created_at__gte=now - timedelta(days=1)).count()
        >= settings.SMS_BUDGET_PER_DESTINATION_PER_DAY
    ):
        return "destination_daily"
    return ""
