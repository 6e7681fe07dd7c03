"""Celery tasks of the recovery journeys: thin, take what was typed, call its delivery.

The account lookups and the sending happen here, off the request path, so a known and an
unknown identifier, phone or e-mail cost the web process the same. A password
reset delivered twice sends once (the second run meets the cool-down); an identifier reminder
delivered twice is sent twice, which is harmless and bounded by the SMS budgets.

The delivery tasks retry when the database is unreachable (a PostgreSQL restart): their
transaction rolled back, nothing was sent, and the request that enqueued them already told
the family a message is on its way, so failing would lose it for good.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from recovery import codes
from recovery.deliveries.identifier_reminder import identifier_reminder_deliver
from recovery.deliveries.password_reset import password_reset_deliver
from recovery.deliveries.signup_code import signup_code_deliver


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


@shared_task(name="recovery.deliver_password_reset", **DELIVERY_OPTIONS)
def deliver_password_reset(identifier: str, channel: str, ip_address: str = "") -> bool:
    return password_reset_deliver(identifier=identifier, channel=channel, ip_address=ip_address)


@shared_task(name="recovery.deliver_identifier_reminder", **DELIVERY_OPTIONS)
def deliver_identifier_reminder(channel: str, destination: str, ip_address: str = "") -> int:
    return identifier_reminder_deliver(
        channel=channel, destination=destination, ip_address=ip_address
    )


@shared_task(name="recovery.deliver_signup_code", **DELIVERY_OPTIONS)
def deliver_signup_code(last_name: str, first_name: str, mobile: str, ip_address: str = "") -> None:
    """Returns nothing: the worker log must not tell whether a person is on the roster."""
    signup_code_deliver(
        last_name=last_name, first_name=first_name, mobile=mobile, ip_address=ip_address
    )
