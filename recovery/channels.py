"""The recovery channels as a small registry: what each one sends and where, instead of
``"sms"``/``"email"`` compared wherever a journey branches.

A password reset goes by SMS (a code, to every school-declared mobile) or by e-mail (a link,
to the verified address); a reset link the secretariat sends may go by either. Adding a
channel means adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment, User
from accounts.people import account_sms_destinations
from core.channels import Channel

Destinations = list[tuple[str, Establishment | None]]


def _school_mobiles(user: User) -> Destinations:
    return [(mobile, school) for mobile, school in account_sms_destinations(user)]


def _verified_email(user: User) -> Destinations:
    return [(user.email, None)] if user.has_verified_email else []


@dataclass(frozen=True)
class RecoveryChannel:
    channel: Channel
    choice_label: Promise  # how the lost-password form offers it
    # What the person receives on this channel when they ask themselves: a code to type, or a
    # link to open (a reset link sent by the secretariat is a link on every channel).
    sends_code: bool
    destinations: Callable[[User], Destinations]
    # Sent on the account's *other* channels when this one is missing for the account.
    unavailable_template: str


RECOVERY_CHANNELS: dict[Channel, RecoveryChannel] = {
    Channel.SMS: RecoveryChannel(
        channel=Channel.SMS,
        choice_label=_("Par SMS, au numéro de mobile connu de l'établissement"),
        sends_code=True,
        destinations=_school_mobiles,
        unavailable_template="password_reset_no_mobile",
    ),
    Channel.EMAIL: RecoveryChannel(
        channel=Channel.EMAIL,
        choice_label=_("Par e-mail, à mon adresse e-mail vérifiée"),
        sends_code=False,
        destinations=_verified_email,
        unavailable_template="password_reset_no_email",
    ),
}


def recovery_channel(value: str) -> RecoveryChannel | None:
    """The channel named ``value`` (what a form posted), or None."""
    try:
        return RECOVERY_CHANNELS[Channel(value)]
    except ValueError:
        return None


def other_channels(channel: Channel) -> list[RecoveryChannel]:
    return [entry for key, entry in RECOVERY_CHANNELS.items() if key != channel]


def choices() -> list[tuple[str, Promise]]:
    return [(entry.channel.value, entry.choice_label) for entry in RECOVERY_CHANNELS.values()]
