"""Celery tasks of the recovery journeys: thin, take what was typed, call its delivery.

The account lookups and the sending happen here, off the request path, so a known and an
unknown identifier, phone or e-mail cost the web process the same. A password
reset request is handled once even when its task runs twice or is lost by the broker: each one
waits in a ``PendingRequest`` row until a worker has handled it (``recovery.outbox``).

What was typed travels sealed (``core.crypto.seal``): the broker, a dump of Redis or a
"received task" log line shows an opaque token, never an identifier, an e-mail or a phone.
The tasks return nothing, since Celery logs return values at INFO and a count of accounts
found would say whether a lookup matched. Enqueue through the ``enqueue_*`` functions.

The delivery tasks retry when the database is unreachable (a PostgreSQL restart): their
transaction rolled back, nothing was sent, and the request that enqueued them already told
the family a message is on its way, so failing would lose it for good.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation

from core import crypto
from recovery import codes, outbox
from recovery.deliveries.identifier_reminder import identifier_reminder_deliver
from recovery.deliveries.merge_code import merge_code_deliver
from recovery.deliveries.password_reset import password_reset_deliver
from recovery.deliveries.signup_code import signup_code_deliver
from recovery.models import PendingRequest

logger = logging.getLogger(__name__)
SEAL_PURPOSE = "educonnect.recovery.tasks"


@shared_task(name="recovery.purge_expired_codes")
def purge_expired_codes() -> int:
    return codes.purge_expired()


# Retried as sending is (settings.NOTIFICATION_RETRY_BACKOFF_SECONDS, doubling, jittered).
DELIVERY_OPTIONS: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": settings.NOTIFICATION_RETRY_BACKOFF_SECONDS,
    "retry_jitter": True,
    "max_retries": 8,
}


def _opened(sealed: str, legacy: tuple[str, ...], names: tuple[str, ...]) -> dict[str, str]:
    """The arguments of a sealed task, or of one queued in clear before sealing existed (its
    positional arguments), so an upgrade loses no request already in the queue."""
    if legacy:
        return dict(zip(names, (sealed, *legacy), strict=False))
    arguments = crypto.unseal(sealed, purpose=SEAL_PURPOSE)
    if arguments is None:
        logger.warning("recovery task with an unreadable payload: dropped")
        return {}
    return {name: str(arguments.get(name, "")) for name in names}


def _language(arguments: dict[str, str]) -> str:
    """The language of the page the request came from (taken out of the arguments), so the
    SMS or e-mail speaks it; a task queued before it was carried gets the default."""
    language = arguments.pop("language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@shared_task(name="recovery.deliver_password_reset", **DELIVERY_OPTIONS)
def deliver_password_reset(sealed: str, *legacy: str, pending: int | None = None) -> None:
    with outbox.claimed(pending) as mine:
        arguments = _opened(sealed, legacy, ("identifier", "channel", "ip_address", "language"))
        if mine and arguments:
            with translation.override(_language(arguments)):
                password_reset_deliver(**arguments)


@shared_task(name="recovery.deliver_identifier_reminder", **DELIVERY_OPTIONS)
def deliver_identifier_reminder(sealed: str, *legacy: str, pending: int | None = None) -> None:
    with outbox.claimed(pending) as mine:
        arguments = _opened(sealed, legacy, ("channel", "destination", "ip_address", "language"))
        if mine and arguments:
            with translation.override(_language(arguments)):
                identifier_reminder_deliver(**arguments)


@shared_task(name="recovery.deliver_signup_code", **DELIVERY_OPTIONS)
def deliver_signup_code(sealed: str, *legacy: str, pending: int | None = None) -> None:
    with outbox.claimed(pending) as mine:
        arguments = _opened(
            sealed, legacy, ("last_name", "first_name", "mobile", "ip_address", "language")
        )
        if mine and arguments:
            with translation.override(_language(arguments)):
                signup_code_deliver(**arguments)


@shared_task(name="recovery.deliver_merge_code", **DELIVERY_OPTIONS)
def deliver_merge_code(sealed: str, *legacy: str, pending: int | None = None) -> None:
    with outbox.claimed(pending) as mine:
        arguments = _opened(
            sealed, legacy, ("identifier", "requester_id", "ip_address", "language")
        )
        if mine and arguments:
            with translation.override(_language(arguments)):
                merge_code_deliver(**arguments)


DELIVERIES = {
    PendingRequest.Kind.PASSWORD_RESET: deliver_password_reset,
    PendingRequest.Kind.IDENTIFIER_REMINDER: deliver_identifier_reminder,
    PendingRequest.Kind.SIGNUP_CODE: deliver_signup_code,
    PendingRequest.Kind.MERGE_CODE: deliver_merge_code,
}


@shared_task(name="recovery.requeue_stuck_requests")
def requeue_stuck_requests() -> int:
    requeued = outbox.requeue_stuck()
    for row in requeued:
        DELIVERIES[PendingRequest.Kind(row.kind)].delay_on_commit(row.payload, pending=row.pk)
    return len(requeued)


def _enqueue(kind: PendingRequest.Kind, payload: dict[str, str]) -> None:
    """The request written down, then its task enqueued once the row is committed."""
    sealed = _sealed(payload)
    row = outbox.pending_request_add(kind=kind, payload=sealed)
    DELIVERIES[kind].delay_on_commit(sealed, pending=row.pk)


def _sealed(payload: dict[str, str]) -> str:
    return crypto.seal(
        {**payload, "language": translation.get_language() or ""}, purpose=SEAL_PURPOSE
    )


def enqueue_password_reset(*, identifier: str, channel: str, ip_address: str) -> None:
    payload = {"identifier": identifier, "channel": channel, "ip_address": ip_address}
    _enqueue(PendingRequest.Kind.PASSWORD_RESET, payload)


def enqueue_identifier_reminder(*, channel: str, destination: str, ip_address: str) -> None:
    payload = {"channel": channel, "destination": destination, "ip_address": ip_address}
    _enqueue(PendingRequest.Kind.IDENTIFIER_REMINDER, payload)


def enqueue_signup_code(*, last_name: str, first_name: str, mobile: str, ip_address: str) -> None:
    payload = {
        "last_name": last_name,
        "first_name": first_name,
        "mobile": mobile,
        "ip_address": ip_address,
    }
    _enqueue(PendingRequest.Kind.SIGNUP_CODE, payload)


def enqueue_merge_code(*, identifier: str, requester_id: int, ip_address: str) -> None:
    """A merge code for the account ``identifier``, asked for by the signed-in ``requester_id``."""
    payload = {
        "identifier": identifier,
        "requester_id": str(requester_id),
        "ip_address": ip_address,
    }
    _enqueue(PendingRequest.Kind.MERGE_CODE, payload)
