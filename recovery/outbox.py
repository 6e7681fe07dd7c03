"""The requests waiting for a worker, kept in the database so that no broker loses one.

The page has told the family a code or a reminder is on its way; the task carrying the request
may still be lost by the broker (Redis hands a task out and records it as unacknowledged in two
steps, and a Redis without persistence keeps nothing across a restart). So the web process
writes a ``PendingRequest`` before enqueuing, the worker deletes it in the transaction that
writes the code and the messages (``claimed``), and beat enqueues again a row that stayed too
long (``requeue_stuck``). A task delivered twice finds the row gone the second time and does
nothing: the family gets one code, one reminder.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recovery.models import PendingRequest

logger = logging.getLogger(__name__)


def pending_request_add(*, kind: str, payload: str) -> PendingRequest:
    return PendingRequest.objects.create(kind=kind, payload=payload, enqueued_at=timezone.now())


@contextmanager
def claimed(pending_id: int | None) -> Iterator[bool]:
    """A transaction in which the request is handled, and whether this run is the one to handle
    it: the row is deleted first, so a second run waits for the first one's commit and finds
    nothing, and a run that fails puts it back by rolling back. A task enqueued before the
    outbox existed has no row (``None``) and is handled once, as it was then."""
    with transaction.atomic():
        if pending_id is None:
            yield True
        else:
            deleted, _ = PendingRequest.objects.filter(pk=pending_id).delete()
            yield deleted > 0


def requeue_stuck() -> list[PendingRequest]:
    """The rows whose task should have run by now, stamped as enqueued again (a conditional
    update, so two beats never both take one), for the task to enqueue. Rows older than
    ``NOTIFICATION_GIVE_UP_AFTER_SECONDS`` are dropped: a code that late would only confuse."""
    now = timezone.now()
    given_up, _ = PendingRequest.objects.filter(
        created_at__lt=now - timedelta(seconds=settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS)
    ).delete()
    if given_up:
        logger.warning("dropped %d requests no worker handled in time", given_up)
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS)
    requeued: list[PendingRequest] = []
    stuck = PendingRequest.objects.filter(enqueued_at__lt=stuck_before).order_by("enqueued_at")
    for row in stuck[: settings.NOTIFICATION_REQUEUE_BATCH]:
        if PendingRequest.objects.filter(pk=row.pk, enqueued_at=row.enqueued_at).update(
            enqueued_at=now
        ):
            requeued.append(row)
    if requeued:
        logger.warning("re-enqueued %d requests whose task was lost", len(requeued))
    return requeued
