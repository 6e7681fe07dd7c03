"""What beat does for the notification log: re-enqueue stuck messages, delete old ones."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.models import Notification

logger = logging.getLogger(__name__)


def requeue_stuck() -> list[Notification]:
    """Re-enqueue messages whose task was lost (broker restart, a worker killed mid-send).

    A message is stuck when it stayed *queued* longer than the longest retry backoff, or when
    the claim of the worker that was sending it expired. Enqueuing one twice is harmless: the
    claim lets only one task send it. Returns the rows put back in the queue, for the task to
    enqueue.
    """
    now = timezone.now()
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS)
    stuck = Notification.objects.filter(
        Q(status=Notification.Status.QUEUED, updated_at__lt=stuck_before)
        | Q(status=Notification.Status.SENDING, claimed_until__lt=now)
    ).order_by("created_at")[: settings.NOTIFICATION_REQUEUE_BATCH]
    requeued: list[Notification] = []
    for notification in stuck:
        # Back to queued with a fresh timestamp, so the next beat tick leaves it alone for a
        # while; the conditional update loses cleanly to a worker that claimed it meanwhile.
        reset = Notification.objects.filter(
            pk=notification.pk, status=notification.status, updated_at=notification.updated_at
        ).update(status=Notification.Status.QUEUED, claimed_until=None, updated_at=now)
        if reset:
            requeued.append(notification)
    if requeued:
        logger.warning("re-enqueued %d stuck notifications", len(requeued))
    return requeued


def purge_old() -> int:
    cutoff = timezone.now() - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(created_at__lt=cutoff).delete()
    return deleted
