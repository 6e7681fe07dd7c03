"""The recovery channels as a small registry: what each one sends and where, instead of
``"sms"``/``"email"`` compared wherever a journey branches.

A password reset goes by SMS (a code, to every school-declared mobile but those another
school's staff changed less than 72 hours ago: ``unsettled_mobiles``) or by e-mail (a link,
to the verified address); a reset link the secretariat sends may go by either. Adding a
channel means adding one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEvent, Establishment, Guardian, User
from accounts.people import guardian_records_of, sms_destinations_of
from core.channels import Channel

Destinations = list[tuple[str, Establishment | None]]


# A mobile another school's staff changed is not trusted for a reset before this long.
MOBILE_SETTLE_PERIOD = timedelta(hours=72)


def unsettled_mobiles(
    user: User, *, now: datetime | None = None, records: list[Guardian] | None = None
) -> set[str]:
    """Mobiles of an account held by several schools that one school's staff set less than
    ``MOBILE_SETTLE_PERIOD`` ago, and that no other school's record confirms.

    One school's staff could otherwise change a shared parent's number and send a reset to
    it, taking over an account that holds another school's child. The other schools have
    not seen the change: until it settles, a reset goes only to the numbers they hold. A
    family known to one school only keeps a correction effective at once (DESIGN: no delay).
    Read from the journal's ``CONTACT_CHANGED`` events (``console.actions``), which say which
    record changed, who changed it and when.
    """
    if records is None:  # never a caller's prefetch: loaded here, or by ``_school_mobiles``
        records = list(Guardian.objects.filter(account_id=user.pk))
    if len({record.establishment_id for record in records}) < 2:
        return set()
    since = (now or timezone.now()) - MOBILE_SETTLE_PERIOD
    changed = AuditEvent.objects.filter(
        event_type=AuditEvent.Type.CONTACT_CHANGED,
        created_at__gte=since,
        details__mobile_changed=True,
        details__guardian__in=[record.pk for record in records],
    ).values_list("details", flat=True)
    changed_ids = {details.get("guardian") for details in changed}
    unsettled = set()
    for record in records:
        if record.pk not in changed_ids or not record.mobile:
            continue
        confirmed = any(
            other.mobile == record.mobile and other.establishment_id != record.establishment_id
            for other in records
        )
        if not confirmed:
            unsettled.add(record.mobile)
    return unsettled


def _school_mobiles(user: User) -> Destinations:
    """The school-declared mobiles, without those another school changed too recently."""
    records = guardian_records_of(user)  # one query for both rules
    held = unsettled_mobiles(user, records=records)
    return [
        (mobile, school) for mobile, school in sms_destinations_of(records) if mobile not in held
    ]


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
