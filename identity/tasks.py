"""Celery tasks of the identity provider: thin, take ids, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from identity.delivery import BackchannelUnavailable, deliver, requeue_stuck

# Retried as a message is (notifications.tasks): a service down for a while still hears of it.
LOGOUT_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (BackchannelUnavailable,),
    "retry_backoff": settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    "retry_backoff_max": settings.NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS,
    "retry_jitter": True,
    "max_retries": settings.NOTIFICATION_MAX_ATTEMPTS - 1,
}


@shared_task(name="identity.send_backchannel_logout", **LOGOUT_OPTIONS)
def send_backchannel_logout(self: Any, logout_id: int) -> None:
    deliver(logout_id, final_attempt=self.request.retries >= self.max_retries)


@shared_task(name="identity.requeue_stuck_logouts")
def requeue_stuck_logouts() -> int:
    requeued = requeue_stuck()
    for logout_id in requeued:
        send_backchannel_logout.delay_on_commit(logout_id)
    return len(requeued)
