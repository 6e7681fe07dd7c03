"""Celery tasks: thin, take ids, safe to run twice ("the task is an API").

The sending tasks retry transient errors with exponential backoff and jitter; beat runs the
housekeeping tasks (settings ``CELERY_BEAT_SCHEDULE``).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from core.channels import Channel
from notifications import delivery, housekeeping
from notifications.errors import TransientSendError
from notifications.models import Notification

SEND_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (TransientSendError,),
    "retry_backoff": settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    "retry_backoff_max": settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS,
    "retry_jitter": True,
    "max_retries": settings.NOTIFICATION_MAX_ATTEMPTS - 1,
}


@shared_task(name="notifications.send_sms", **SEND_OPTIONS)
def send_sms(self: Any, notification_id: int) -> None:
    delivery.deliver(notification_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(name="notifications.send_email", **SEND_OPTIONS)
def send_email(self: Any, notification_id: int) -> None:
    delivery.deliver(notification_id, final_attempt=self.request.retries >= self.max_retries)


def enqueue(notification: Notification) -> None:
    """Send the notification from a worker once the caller's transaction commits."""
    task = send_sms if notification.channel == Channel.SMS else send_email
    task.delay_on_commit(notification.pk)


@shared_task(name="notifications.requeue_stuck")
def requeue_stuck() -> int:
    requeued = housekeeping.requeue_stuck()
    for notification in requeued:
        enqueue(notification)
    return len(requeued)


@shared_task(name="notifications.purge_old")
def purge_old() -> int:
    return housekeeping.purge_old()
