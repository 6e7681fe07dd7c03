"""Celery tasks: thin, take ids, safe to run twice ("the task is an API").

The sending tasks retry transient errors with exponential backoff and jitter; beat runs the
housekeeping tasks (settings ``CELERY_BEAT_SCHEDULE``).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction

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


logger = logging.getLogger(__name__)
_in_worker_task = contextvars.ContextVar("notifications_in_worker_task", default=False)


@contextmanager
def sending_from_this_task() -> Iterator[None]:
    """Around a worker task that writes messages (the recovery deliveries): each message's
    first attempt is made by this task once its transaction commits, not by a send task of its
    own. The attempt is the same ``delivery.deliver`` (claim, idempotency key, outcome); a
    transient failure hands the message to its send task's retries. A task less per message:
    no second publish, receive and acknowledgement through the broker."""
    token = _in_worker_task.set(True)
    try:
        yield
    finally:
        _in_worker_task.reset(token)


def enqueue(notification: Notification) -> None:
    """Send the notification from a worker once the caller's transaction commits: from a task
    of its own, or from the worker task that wrote it (``sending_from_this_task``)."""
    task = send_sms if notification.channel == Channel.SMS else send_email
    if _in_worker_task.get():
        # robust: a failure of one message's attempt does not skip the next message's.
        transaction.on_commit(functools.partial(_first_attempt, task, notification.pk), robust=True)
    else:
        task.delay_on_commit(notification.pk)


def _first_attempt(task: Any, notification_id: int) -> None:
    try:
        delivery.deliver(notification_id)
    except TransientSendError:
        logger.info("notification %s: first attempt failed, retried by its task", notification_id)
        task.apply_async((notification_id,), countdown=settings.NOTIFICATION_RETRY_BACKOFF_SECONDS)


@shared_task(name="notifications.requeue_stuck")
def requeue_stuck() -> int:
    requeued = housekeeping.requeue_stuck()
    for notification in requeued:
        enqueue(notification)
    return len(requeued)


@shared_task(name="notifications.purge_old")
def purge_old() -> int:
    return housekeeping.purge_old()
