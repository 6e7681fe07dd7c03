"""Worker side of a password reset: find the account, send a code or a link where it can go.

Runs in ``recovery.deliver_password_reset``, off the request path, so a known and an unknown
identifier cost the web process the same and get the same page.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.access import may_sign_in
from accounts.aliases import account_for_identifier
from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Establishment, User
from core import metrics
from core.links import absolute_url
from notifications.notices import notify_account
from notifications.services import notification_send
from recovery import codes
from recovery.channels import RecoveryChannel, other_channels, recovery_channel
from recovery.models import VerificationCode

PURPOSE = VerificationCode.Purpose.PASSWORD_RESET
# What the journal says when the account's quotas refuse a code (the family's page is the same).
HELD_EVENTS = {
    codes.COOLDOWN: AuditEvent.Type.RESET_CODE_HELD_COOLDOWN,
    codes.HOURLY_QUOTA: AuditEvent.Type.RESET_CODE_HELD_HOURLY,
    codes.DAILY_QUOTA: AuditEvent.Type.RESET_CODE_HELD_DAILY,
}


def usable_user(identifier: str) -> User | None:
    """The account a reset may be sent for: one that may sign in (``accounts.access``, the
    rule the login's backend applies), an alias resolved as the login resolves it."""
    user = account_for_identifier(identifier)
    return user if user is not None and may_sign_in(user) else None


def password_reset_deliver(*, identifier: str, channel: str, ip_address: str = "") -> bool:
    """Send a code (SMS to the school-declared mobiles) or a link (verified e-mail).

    No code or link for an unknown identifier, an account never activated, or when the
    account's cool-down or quotas (recovery.codes) say no. An account without the chosen
    channel is told on its other channels, if it has any. Returns whether a code or link left.
    """
    user = usable_user(identifier)
    way = recovery_channel(channel)
    if user is None or way is None:
        return False
    with transaction.atomic(savepoint=False):  # one transaction with the caller's, if any
        sent = reset_send(
            user=user, way=way, as_code=way.sends_code, now=timezone.now(), ip_address=ip_address
        )
        if sent is None:
            return False
        if not sent:
            for other in other_channels(way.channel):
                notify_account(user, way.unavailable_template, channels=(other.channel,))
            return False
        audit_event_record(
            event_type=AuditEvent.Type.PASSWORD_RESET_REQUESTED,
            subject=user,
            ip_address=ip_address,
            details={"channel": way.channel.value},
        )
    return True


def reset_send(
    *,
    user: User,
    way: RecoveryChannel,
    as_code: bool,
    now: datetime,
    by_staff: bool = False,
    establishment: Establishment | None = None,
    ip_address: str = "",
) -> bool | None:
    """Issue one code (``as_code``) or one link and send it to every destination of ``way``.

    False when the account has no destination on that channel, None when the quotas say no
    (a link the secretariat sends is not counted against the family's quotas): the journal
    then says why, for the secretariat's "I got nothing" (``HELD_EVENTS``). The code is
    bound to the first destination; a change of that destination kills it. A message to a
    destination no school declared (the verified e-mail) is tagged with ``establishment``, the
    school of the staff member who sent it.
    """
    destinations = way.destinations(user)
    if not destinations:
        return False
    first = destinations[0][0]
    refusal = (
        None
        if by_staff
        else codes.quota_refusal(user_id=user.pk, purpose=PURPOSE, destination=first, now=now)
    )
    if refusal is not None:
        metrics.count(metrics.CODES_BLOCKED, channel=str(way.channel), reason="quota")
        audit_event_record(
            event_type=HELD_EVENTS[refusal],
            subject=user,
            ip_address=ip_address,
            details={"channel": way.channel.value},
        )
        return None
    secret = codes.new_code() if as_code else codes.new_link_token()
    codes.code_issue(
        purpose=PURPOSE,
        channel=way.channel,
        destination=first,
        user_id=user.pk,
        secret=secret,
        now=now,
    )
    if as_code:
        template, secrets = "password_reset_code", {"code": secret}
    else:
        template = "password_reset_link"
        secrets = {"link": absolute_url("recovery:forgot_password_link", secret)}
    for destination, school in destinations:
        notification_send(
            channel=way.channel,
            destination=destination,
            template=template,
            context={"identifier": user.identifier, **codes.lifetimes()},
            secrets=secrets,
            user=user,
            establishment=school or establishment,
        )
    return True
