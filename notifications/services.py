"""``notification_send``: the one way the portal sends an SMS or an e-mail.

The row is written in the caller's transaction and the Celery task is enqueued only once that
transaction commits, so a rolled-back action sends nothing and the page never waits on a
provider.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Establishment, User
from core import metrics
from core.channels import Channel
from notifications import rendering, secret_box, tasks
from notifications.budget import budget_exceeded
from notifications.explanations import explain
from notifications.models import Notification

logger = logging.getLogger(__name__)
BLOCKED_CODES = {Channel.SMS: "budget", Channel.EMAIL: "budget_email"}
BLOCKED_EVENTS = {
    Channel.SMS: AuditEvent.Type.SMS_BLOCKED,
    Channel.EMAIL: AuditEvent.Type.EMAIL_BLOCKED,
}


def notification_send(
    *,
    channel: str,
    destination: str,
    template: str,
    context: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    user: User | None = None,
    establishment: Establishment | None = None,
    language: str | None = None,
) -> Notification:
    """Log the message (secrets redacted) and enqueue its sending after commit.

    The message as it will be sent is kept encrypted in the row until it is final, so retries
    and the beat re-enqueuer can send it without the caller's context.
    """
    context = context or {}
    secrets = secrets or {}
    # The language of the page the person was on when they asked (the active one), unless told.
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    logged = rendering.render(channel, template, context, secrets, redact=True, language="fr")
    real = rendering.render(channel, template, context, secrets, redact=False, language=language)
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # one transaction with the caller's, if any
        notification = Notification(
            channel=channel,
            destination=destination,
            template=template,
            subject=logged.subject,
            body=logged.text,
            user=user,
            establishment=establishment,
        )
        spent = budget_exceeded(channel, destination, now, template=template)
        if spent:
            notification.status = Notification.Status.BLOCKED
            notification.last_error_code = BLOCKED_CODES[Channel(channel)]
            notification.last_error = explain(notification.last_error_code)
            notification.failed_at = now
            notification.save()
            audit_event_record(
                event_type=BLOCKED_EVENTS[Channel(channel)],
                subject=user,
                establishment=establishment,
                details={"budget": spent, "notification": notification.pk},
            )
            logger.warning(
                "%s blocked by the %s budget (notification %s)", channel, spent, notification.pk
            )
            metrics.count(metrics.NOTIFICATIONS_BLOCKED, channel=str(channel))
            if secrets:  # a code or a link the person will not get
                metrics.count(metrics.CODES_BLOCKED, channel=str(channel), reason="budget")
            return notification
        notification.secret_payload = secret_box.seal(
            {"subject": real.subject, "text": real.text, "html": real.html}
        )
        notification.save()
        tasks.enqueue(notification)
    return notification
