"""Worker side of self-registration: look the roster up, send a code or the identifier.

Runs in ``recovery.deliver_signup_code``, off the request path, so a match and no match cost
the web process the same. Signup codes have no account yet: they are keyed by purpose and
destination (the E.164 mobile), and the quotas of ``recovery.codes`` are counted per number
on the notification log, so a code and an "already registered" reminder share one allowance.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.access import may_sign_in
from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Guardian, User
from accounts.people import matching_guardians
from core import metrics
from core.channels import Channel
from notifications.models import Notification
from notifications.services import notification_send
from recovery import codes
from recovery.models import VerificationCode

PURPOSE = VerificationCode.Purpose.SIGNUP
# A mobile shared by more accounts than this is not a family's: remind the first ones only.
MAX_REMINDERS = 3
# What the per-number quotas count: every SMS this flow sends before an account exists.
SIGNUP_TEMPLATES = ("signup_code", "signup_already_registered")


def may_send_to(*, mobile: str, now: datetime) -> bool:
    """The quota rule of ``recovery.codes``, counted per number on the notification log."""
    sent = Notification.objects.filter(
        channel=Channel.SMS,
        destination=mobile,
        template__in=SIGNUP_TEMPLATES,
        created_at__gte=now - timedelta(days=1),
    ).values_list("created_at", flat=True)
    return codes.within_quota(sent, now=now)


def signup_code_deliver(
    *, last_name: str, first_name: str, mobile: str, ip_address: str = ""
) -> str:
    """Send a code when unregistered records match, the identifier when the person already has
    an account (the SMS says so and gives the identifier instead of a code).

    Returns what happened ("code", "identifier" or "nothing"), for tests and logs only. Rows
    whose school recorded a refusal of SMS are not texted (as ``account_sms_destinations``).
    """
    matched = [
        guardian
        for guardian in matching_guardians(
            last_name=last_name, first_name=first_name, mobile=mobile
        )
        if guardian.accepts_sms
    ]
    if not matched:
        return "nothing"
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # one transaction with the caller's, if any
        if not may_send_to(mobile=mobile, now=now):
            metrics.count(metrics.CODES_BLOCKED, channel=Channel.SMS.value, reason="quota")
            return "nothing"
        registered: dict[int, Guardian] = {}
        for guardian in matched:
            if guardian.account is not None and may_sign_in(guardian.account):
                registered.setdefault(guardian.account.pk, guardian)
        if registered:
            _remind_identifiers(list(registered.values())[:MAX_REMINDERS], mobile, ip_address)
            return "identifier"
        if not any(guardian.account_id is None for guardian in matched):
            return "nothing"  # only accounts that may not sign in: the school handles it
        code = codes.new_code()
        codes.code_issue(
            purpose=PURPOSE,
            channel=Channel.SMS,
            destination=mobile,
            user_id=None,
            secret=code,
            now=now,
        )
        notification_send(
            channel=Channel.SMS,
            destination=mobile,
            template="signup_code",
            context=codes.lifetimes(),
            secrets={"code": code},
            establishment=matched[0].establishment,
        )
        audit_event_record(
            event_type=AuditEvent.Type.SIGNUP_CODE_SENT,
            establishment=matched[0].establishment,
            ip_address=ip_address,
            details={"guardians": [guardian.pk for guardian in matched]},
        )
    return "code"


def _remind_identifiers(guardians: list[Guardian], mobile: str, ip_address: str) -> None:
    for guardian in guardians:
        user: User = guardian.account  # type: ignore[assignment]
        notification_send(
            channel=Channel.SMS,
            destination=mobile,
            template="signup_already_registered",
            context={"identifier": user.identifier},
            user=user,
            establishment=guardian.establishment,
        )
        audit_event_record(
            event_type=AuditEvent.Type.IDENTIFIER_REMINDER_SENT,
            subject=user,
            establishment=guardian.establishment,
            ip_address=ip_address,
            details={"channel": Channel.SMS.value, "via": "signup"},
        )
