"""Applying the provider's delivery reports (Twilio status callbacks) to the log.

Callbacks can arrive twice or out of order; a status never moves back (``STATUS_RANK``), so the
furthest one seen is kept and a repeat changes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from notifications.explanations import explain
from notifications.models import STATUS_RANK, Notification

TWILIO_STATUSES = {
    "accepted": Notification.Status.SENT,
    "scheduled": Notification.Status.SENT,
    "queued": Notification.Status.SENT,
    "sending": Notification.Status.SENT,
    "sent": Notification.Status.SENT,
    "delivered": Notification.Status.DELIVERED,
    "read": Notification.Status.DELIVERED,
    "undelivered": Notification.Status.UNDELIVERED,
    "failed": Notification.Status.FAILED,
    "canceled": Notification.Status.FAILED,
}


def notification_apply_provider_status(
    *, provider_message_id: str, provider_status: str, error_code: str = ""
) -> bool:
    """Record a delivery report; True when it moved the message forward."""
    status = TWILIO_STATUSES.get(provider_status)
    if status is None or not provider_message_id:
        return False
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(provider_message_id=provider_message_id)
            .first()
        )
        if notification is None or STATUS_RANK[status] <= STATUS_RANK[notification.status]:
            return False
        now = timezone.now()
        notification.status = status
        fields = ["status", "updated_at"]
        if status == Notification.Status.DELIVERED:
            notification.delivered_at = now
            fields.append("delivered_at")
        elif status in {Notification.Status.UNDELIVERED, Notification.Status.FAILED}:
            code = (error_code or "undelivered")[:30]
            notification.failed_at = now
            notification.last_error_code = code
            notification.last_error = explain(code)[:300]
            fields += ["failed_at", "last_error_code", "last_error"]
        notification.save(update_fields=fields)
    return True
