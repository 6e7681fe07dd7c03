"""Worker side of a merge proved by SMS: find the other account, send it a merge code.

Runs in ``recovery.deliver_merge_code``, off the request path, so the person merging gets the
same page whether the identifier they typed exists, has a school-held mobile, or names an
account the merge rules refuse (``accounts.merge.merge_check``): only here is it looked up.

A merge code has its own purpose (``VerificationCode.Purpose.ACCOUNT_MERGE``): the reset flow
never accepts one and the merge flow never accepts a reset code. It goes where a reset code
goes (``recovery.channels``: the school-declared mobiles, settled ones only) and is bound by
the same policy (``recovery.codes``: cool-down, hourly and daily quotas, lifetime, tries),
counted apart from the reset codes so that merge requests never use up a reset's allowance.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.access import may_sign_in
from accounts.audit import audit_event_record
from accounts.merge import MergeRefused, merge_check
from accounts.models import AuditEvent, User
from core import metrics
from core.channels import Channel
from core.converters import parse_database_id
from notifications.services import notification_send
from recovery import codes
from recovery.channels import RECOVERY_CHANNELS
from recovery.deliveries.password_reset import usable_user
from recovery.models import VerificationCode

PURPOSE = VerificationCode.Purpose.ACCOUNT_MERGE
TEMPLATE = "account_merge_code"


def _requester(requester_id: str) -> User | None:
    pk = parse_database_id(requester_id)
    user = User.objects.filter(pk=pk).first() if pk is not None else None
    return user if user is not None and may_sign_in(user) else None


def merge_code_deliver(*, identifier: str, requester_id: str, ip_address: str = "") -> bool:
    """Send a merge code to the school-held mobiles of the account ``identifier`` signs in to,
    for the signed-in account ``requester_id`` to prove it is theirs.

    Nothing leaves for an unknown identifier, an account that may not sign in, the requester's
    own account, two accounts the merge rules refuse (different people, a student and a
    parent, staff), an account without a school-held mobile, or when the account's cool-down
    or quotas say no (journaled, for the secretariat). Returns whether a code left.
    """
    other = usable_user(identifier)
    requester = _requester(requester_id)
    if other is None or requester is None:
        return False
    try:
        merge_check(kept=requester, closed=other)
    except MergeRefused:
        return False
    destinations = RECOVERY_CHANNELS[Channel.SMS].destinations(other)
    if not destinations:
        return False
    first = destinations[0][0]
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # one transaction with the caller's, if any
        refusal = codes.quota_refusal(user_id=other.pk, purpose=PURPOSE, destination=first, now=now)
        if refusal is not None:
            metrics.count(metrics.CODES_BLOCKED, channel=Channel.SMS.value, reason="quota")
            audit_event_record(
                event_type=AuditEvent.Type.MERGE_CODE_HELD,
                subject=other,
                ip_address=ip_address,
                details={"channel": Channel.SMS.value, "reason": refusal},
            )
            return False
        code = codes.new_code()
        codes.code_issue(
            purpose=PURPOSE,
            channel=Channel.SMS,
            destination=first,
            user_id=other.pk,
            secret=code,
            now=now,
        )
        for destination, school in destinations:
            notification_send(
                channel=Channel.SMS,
                destination=destination,
                template=TEMPLATE,
                context=codes.lifetimes(),
                secrets={"code": code},
                user=other,
                establishment=school,
            )
        audit_event_record(
            event_type=AuditEvent.Type.MERGE_CODE_SENT,
            subject=other,
            ip_address=ip_address,
            details={"channel": Channel.SMS.value},
        )
    return True
