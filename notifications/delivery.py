"""Worker side of sending: claim a notification, hand it to the provider, record the outcome.

A notification is *claimed* by one atomic UPDATE before the provider is called, so a task that
runs twice, or is redelivered after a worker died, cannot send twice: the second claim finds the
row already sending (its lease not yet expired) or final, and stops. Every attempt passes the
same idempotency key (``notification-<id>``) so a provider that honours it drops a repeat of an
attempt whose answer was lost.
"""

from __future__ import annotations

import functools
import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import Field
from django.utils import timezone

from core import metrics
from notifications import secret_box
from notifications.backends.sms import get_sms_backend
from notifications.errors import PermanentSendError, TransientSendError
from notifications.explanations import explain
from notifications.models import Notification

logger = logging.getLogger(__name__)


def idempotency_key(notification: Notification) -> str:
    return f"notification-{notification.pk}"


def claim(notification_id: int) -> Notification | None:
    """Mark the row as being sent by us and read it, or None when someone else has it or it is
    done.

    One statement, ``UPDATE … RETURNING`` (PostgreSQL, and SQLite since 3.35): the ORM's
    ``update()`` returns only a count, and reading the row afterwards cost every message a
    second round trip to the database.
    """
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS)
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        Notification.Status.SENDING.value,
        adapt(lease),
        adapt(now),
        notification_id,
        Notification.Status.QUEUED.value,
        Notification.Status.SENDING.value,
        adapt(now),
    ]
    rows = list(Notification.objects.raw(_claim_statement(), params))
    return rows[0] if rows else None


@functools.cache
def _claim_statement() -> str:
    """``status = sending, attempts + 1, the lease`` on a row that is queued, or sending with
    its lease run out; every column of the row back."""
    quote = connection.ops.quote_name
    columns = {field.name: quote(field.column) for field in Notification._meta.concrete_fields}
    status, attempts = columns["status"], columns["attempts"]
    claimed_until, updated_at = columns["claimed_until"], columns["updated_at"]
    returned = ", ".join(columns.values())
    # Only the model's own table and column names are formatted in; every value is a parameter.
    return (
        f"UPDATE {quote(Notification._meta.db_table)} SET {status} = %s, "  # noqa: S608
        f"{attempts} = {attempts} + 1, {claimed_until} = %s, {updated_at} = %s "
        f"WHERE {columns['id']} = %s "
        f"AND ({status} = %s OR ({status} = %s AND {claimed_until} < %s)) "
        f"RETURNING {returned}"
    )


def _finish(notification: Notification, **fields: object) -> None:
    """Write the outcome, only while the claim is still ours.

    One statement prepared once per set of columns (as the claim's), the values converted by
    their model fields: what ``QuerySet.update`` sends, without building its query each time
    (building it was 7 % of a send's interpreter time in a py-spy profile of the worker).
    """
    values = {"claimed_until": None, "updated_at": timezone.now(), **fields}
    by_name = _fields_by_name()
    params = [
        by_name[name].get_db_prep_save(value, connection=connection)
        for name, value in values.items()
    ]
    params += [notification.pk, Notification.Status.SENDING.value]
    with connection.cursor() as cursor:
        cursor.execute(_finish_statement(tuple(values)), params)


@functools.cache
def _fields_by_name() -> dict[str, Field[Any, Any]]:
    return {field.name: field for field in Notification._meta.concrete_fields}


@functools.cache
def _finish_statement(names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = {field.name: quote(field.column) for field in Notification._meta.concrete_fields}
    assignments = ", ".join(f"{columns[name]} = %s" for name in names)
    # Only the model's own table and column names are formatted in; every value is a parameter.
    return (
        f"UPDATE {quote(Notification._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {columns['id']} = %s AND {columns['status']} = %s"
    )


def _fail(notification: Notification, code: str, detail: str = "") -> None:
    logger.warning("notification %s failed: %s %s", notification.pk, code, detail[:200])
    _finish(
        notification,
        status=Notification.Status.FAILED,
        last_error_code=code[:30],
        last_error=explain(code)[:300],
        failed_at=timezone.now(),
        secret_payload="",
    )


def _is_past_giving_up(notification: Notification) -> bool:
    """A transient failure (SMTP or provider down) makes a message final only once it is
    NOTIFICATION_GIVE_UP_AFTER_SECONDS old: the fast retries (jittered, about a minute in all
    with the production backoff) would otherwise lose every message of a one-minute outage."""
    age = timezone.now() - notification.created_at
    return age >= timedelta(seconds=settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS)


def deliver(notification_id: int, *, final_attempt: bool = False) -> None:
    """Send one notification; raises TransientSendError when a later retry may succeed."""
    with metrics.batched():  # its outcome and its latency in one round trip
        _deliver(notification_id, final_attempt=final_attempt)


def _deliver(notification_id: int, *, final_attempt: bool) -> None:
    notification = claim(notification_id)
    if notification is None:
        logger.info("notification %s not claimable: sending elsewhere or final", notification_id)
        return
    message = secret_box.unseal(notification.secret_payload)
    if message is None:
        _fail(notification, "secret_lost")
        return
    channel = str(notification.channel)
    try:
        with metrics.timed(metrics.SEND_SECONDS, channel=channel):
            provider_id = _send(notification, message)
    except PermanentSendError as error:
        metrics.count(metrics.NOTIFICATION_SENDS, channel=channel, outcome="permanent")
        _fail(notification, error.code, error.detail)
        return
    except TransientSendError as error:
        metrics.count(metrics.NOTIFICATION_SENDS, channel=channel, outcome="transient")
        out_of_retries = (
            final_attempt or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        )
        if out_of_retries and _is_past_giving_up(notification):
            _fail(notification, "max_attempts", f"{error.code} {error.detail}")
            return
        _finish(
            notification,
            status=Notification.Status.QUEUED,
            last_error_code=error.code[:30],
            last_error=explain(error.code)[:300],
        )
        if out_of_retries:
            # Left queued: beat's requeue_stuck tries again every NOTIFICATION_STUCK_AFTER_SECONDS.
            logger.warning("notification %s: still %s, left for beat", notification.pk, error.code)
            return
        raise
    metrics.count(metrics.NOTIFICATION_SENDS, channel=channel, outcome="sent")
    _finish(
        notification,
        status=Notification.Status.SENT,
        provider_message_id=provider_id[:64],
        sent_at=timezone.now(),
        secret_payload="",
        last_error_code="",
        last_error="",
    )


def _send(notification: Notification, message: dict[str, str]) -> str:
    if notification.channel == Notification.Channel.SMS:
        sent = get_sms_backend().send(
            to=notification.destination,
            body=message["text"],
            idempotency_key=idempotency_key(notification),
        )
        return sent.provider_id
    return _send_email(notification, message)


def _send_email(notification: Notification, message: dict[str, str]) -> str:
    reply_to = [settings.EMAIL_REPLY_TO] if settings.EMAIL_REPLY_TO else None
    # A stable Message-ID lets a receiving server drop the repeat of a lost-answer attempt.
    message_id = f"<{idempotency_key(notification)}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    email = EmailMultiAlternatives(
        subject=message["subject"],
        body=message["text"],
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.destination],
        reply_to=reply_to,
        headers={"Message-ID": message_id},
    )
    if message.get("html"):
        email.attach_alternative(message["html"], "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentSendError("smtp_refused", str(error)) from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise TransientSendError("smtp", str(error)) from error
    return message_id
