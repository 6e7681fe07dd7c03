"""Celery tasks of the recovery flows: thin, take what was typed, call the flow's delivery.

The account lookups and the sending happen here, off the request path, so a known and an
unknown identifier, phone or e-mail cost the web process the same (DESIGN §4). A password
reset delivered twice sends once (the second run meets the cool-down); an identifier reminder
delivered twice is sent twice, which is harmless and bounded by the SMS budgets.
"""

from __future__ import annotations

from celery import shared_task

from recovery import codes
from recovery.flows.forgot_identifier import identifier_reminder_deliver
from recovery.flows.forgot_password import password_reset_deliver
from recovery.flows.signup_services import signup_code_deliver


@shared_task(name="recovery.purge_expired_codes")
def purge_expired_codes() -> int:
    return codes.purge_expired()


@shared_task(name="recovery.deliver_password_reset")
def deliver_password_reset(identifier: str, channel: str, ip_address: str = "") -> bool:
    return password_reset_deliver(identifier=identifier, channel=channel, ip_address=ip_address)


@shared_task(name="recovery.deliver_identifier_reminder")
def deliver_identifier_reminder(channel: str, destination: str, ip_address: str = "") -> int:
    return identifier_reminder_deliver(
        channel=channel, destination=destination, ip_address=ip_address
    )


@shared_task(name="recovery.deliver_signup_code")
def deliver_signup_code(last_name: str, first_name: str, mobile: str, ip_address: str = "") -> None:
    """Returns nothing: the worker log must not tell whether a person is on the roster."""
    signup_code_deliver(
        last_name=last_name, first_name=first_name, mobile=mobile, ip_address=ip_address
    )
