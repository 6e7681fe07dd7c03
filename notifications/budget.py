"""SMS budgets: the defence against SMS pumping (DESIGN §4).

Counted on the notification log itself, so every web process and worker shares one count.
A request that races past the limit by one message is acceptable; an attacker cannot.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from notifications.models import Notification


def sms_budget_exceeded(destination: str, now: datetime) -> str:
    """``""`` when an SMS to ``destination`` may be sent now, else which budget is spent."""
    sms = Notification.objects.filter(channel=Notification.Channel.SMS).exclude(
        status=Notification.Status.BLOCKED
    )
    hour_ago = now - timedelta(hours=1)
    if sms.filter(created_at__gte=hour_ago).count() >= settings.SMS_BUDGET_GLOBAL_PER_HOUR:
        return "global_hourly"
    to_destination = sms.filter(destination=destination)
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
