"""Self-registration services (issue 5): matching the roster, sending the code off the request
path, and the writes of the last step. ``recovery.flows.signup`` drives them step by step.

Signup codes have no account yet: they are keyed by purpose and destination (the E.164
mobile), a new one supersedes the live ones for that number, and the cool-down and hourly and
daily quotas of ``recovery.codes`` are counted per number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.account_services import RequestFacts
from accounts.audit import audit_event_record
from accounts.identifiers import fold_name
from accounts.models import AttachmentReport, AuditEvent, Guardian, Guardianship, User
from accounts.services import user_create
from notifications.models import Notification
from notifications.services import notification_send
from recovery import codes
from recovery.errors import RecoveryError
from recovery.models import VerificationCode

PURPOSE = VerificationCode.Purpose.SIGNUP
SMS = VerificationCode.Channel.SMS
# A mobile shared by more accounts than this is not a family's: remind the first ones only.
MAX_REMINDERS = 3
# What the per-number quotas count: every SMS this flow sends before an account exists.
SIGNUP_TEMPLATES = ("signup_code", "signup_already_registered")


# --- Typed errors of the self-registration (the shared ones live in recovery.errors) -----


class NoChildConfirmed(RecoveryError):
    """Every child was answered *non*: there is nothing to attach an account to."""


class BirthDateMismatch(RecoveryError):
    """*oui* with a birth date that is not the school's; counted against the three tries."""

    def __init__(self, student_ids: list[int], remaining: int) -> None:
        super().__init__(student_ids, remaining)
        self.student_ids = student_ids
        self.remaining = remaining


class TooManyWrongBirthDates(RecoveryError):
    """Three wrong birth dates in all: the flow ends and the person contacts the school."""


class NoLegalChild(RecoveryError):
    """The records match but name no child at legal-guardian level: only the school can help."""


class AlreadyRegistered(RecoveryError):
    """The matched records were tied to an account meanwhile (replayed or concurrent finish)."""


# --- Matching the roster -----------------------------------------------------------------


def comparable_name(name: str) -> str:
    """Names compared case-, accent-, hyphen- and space-insensitively (issue 5, step 1)."""
    return fold_name(name).replace("-", "")


def matching_guardians(*, last_name: str, first_name: str, mobile: str) -> list[Guardian]:
    """Every Guardian row, in every establishment, with this exact E.164 mobile and these names
    (tied to an account or not; callers split them)."""
    last, first = comparable_name(last_name), comparable_name(first_name)
    if not (last and first and mobile):
        return []
    return [
        guardian
        for guardian in Guardian.objects.filter(mobile=mobile)
        .select_related("establishment", "account")
        .order_by("pk")
        if comparable_name(guardian.last_name) == last
        and comparable_name(guardian.first_name) == first
    ]


def unregistered_guardian_ids(*, last_name: str, first_name: str, mobile: str) -> list[int]:
    return [
        guardian.pk
        for guardian in matching_guardians(
            last_name=last_name, first_name=first_name, mobile=mobile
        )
        if guardian.account_id is None
    ]


@dataclass(frozen=True)
class Child:
    """One child of a matched record, as the children step lists it."""

    student_id: int
    name: str
    establishment: str
    class_name: str
    birth_date: dt.date


def legal_children(guardian_ids: list[int]) -> list[Child]:
    """The children of the matched records on legal-guardian links only (level 1), once each."""
    links = (
        Guardianship.objects.filter(guardian_id__in=guardian_ids, responsibility_level=1)
        .select_related("student__establishment")
        .order_by("student__last_name", "student__first_name", "student_id")
    )
    children: dict[int, Child] = {}
    for link in links:
        student = link.student
        children.setdefault(
            student.pk,
            Child(
                student_id=student.pk,
                name=f"{student.first_name} {student.last_name}",
                establishment=student.establishment.name,
                class_name=student.class_name,
                birth_date=student.birth_date,
            ),
        )
    return list(children.values())


# --- Off the request path: the Celery task calls this -------------------------------------


def may_send_to(*, mobile: str, now: datetime) -> bool:
    """The cool-down and hourly/daily quotas of ``recovery.codes``, counted per number.

    Counted on the notification log, so a code and an "already registered" reminder share one
    allowance: a number cannot be flooded by alternating names.
    """
    sent = sorted(
        Notification.objects.filter(
            channel=Notification.Channel.SMS,
            destination=mobile,
            template__in=SIGNUP_TEMPLATES,
            created_at__gte=now - timedelta(days=1),
        ).values_list("created_at", flat=True),
        reverse=True,
    )
    if sent and now - sent[0] < codes.RESEND_COOLDOWN:
        return False
    last_hour = [at for at in sent if at >= now - timedelta(hours=1)]
    return len(last_hour) < codes.MAX_CODES_PER_HOUR and len(sent) < codes.MAX_CODES_PER_DAY


def signup_code_issue(*, mobile: str, secret: str, now: datetime) -> VerificationCode:
    """Store the hash of a new signup code for ``mobile``; it supersedes the live ones."""
    VerificationCode.objects.filter(
        purpose=PURPOSE, destination=mobile, user=None, consumed_at=None
    ).update(consumed_at=now)
    return VerificationCode.objects.create(
        purpose=PURPOSE,
        channel=SMS,
        destination=mobile,
        user=None,
        secret_hash=codes.hash_secret(secret),
        expires_at=now + codes.CODE_LIFETIME,
    )


def signup_code_deliver(
    *, last_name: str, first_name: str, mobile: str, ip_address: str = ""
) -> str:
    """Send a code when unregistered records match, the identifier when the person already has
    an account (issue 5: "the SMS says so and gives the identifier instead of a code").

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
    with transaction.atomic():
        if not may_send_to(mobile=mobile, now=now):
            return "nothing"
        registered: dict[int, Guardian] = {}
        for guardian in matched:
            if guardian.account_id is not None and guardian.account.is_active:  # type: ignore[union-attr]
                registered.setdefault(guardian.account_id, guardian)
        if registered:
            _remind_identifiers(list(registered.values())[:MAX_REMINDERS], mobile, ip_address)
            return "identifier"
        if not any(guardian.account_id is None for guardian in matched):
            return "nothing"  # only deactivated accounts: the school handles it
        code = codes.new_code()
        signup_code_issue(mobile=mobile, secret=code, now=now)
        notification_send(
            channel="sms",
            destination=mobile,
            template="signup_code",
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
            channel="sms",
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
            details={"channel": "sms", "via": "signup"},
        )


# --- The writes of the last step ----------------------------------------------------------


def parent_account_register(
    *,
    guardian_ids: list[int],
    confirmed_ids: list[int],
    declined_ids: list[int],
    password: str,
    mobile: str,
    facts: RequestFacts,
) -> User:
    """Create the parent account once and tie the proved records to it.

    The Guardian rows are locked and must still have no account: a replayed or concurrent
    final step raises ``AlreadyRegistered`` and the whole transaction (the new account too)
    is rolled back. Names come from the school's record, not from what was typed.

    A child answered *non* must not appear in the new account, yet the roster row is the
    school's. Choice: the Guardianship link between this guardian's records and that child is
    removed, and an ``AttachmentReport`` (reporter: the new account) tells the child's school
    so, in its comment. If the school finds the answer was a mistake, it re-links the child
    from the console; "detach" on the report changes nothing more. Links below legal-guardian
    level (2: person in charge, 3: contact) are left as the school declared them.
    """
    with transaction.atomic():
        rows = list(
            Guardian.objects.select_for_update()
            .filter(pk__in=guardian_ids)
            .select_related("establishment")
            .order_by("pk")
        )
        if len(rows) != len(set(guardian_ids)) or any(row.account_id for row in rows):
            raise AlreadyRegistered
        first = rows[0]
        user = user_create(
            kind=User.Kind.PARENT,
            first_name=first.first_name,
            last_name=first.last_name,
            password=password,
            activated=True,
        )
        tied = Guardian.objects.filter(pk__in=guardian_ids, account=None).update(
            account=user, updated_at=timezone.now()
        )
        if tied != len(rows):
            raise AlreadyRegistered
        audit_event_record(
            event_type=AuditEvent.Type.ACCOUNT_CREATED,
            subject=user,
            actor=user,
            establishment=first.establishment,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"via": "signup", "children": confirmed_ids, "guardians": guardian_ids},
        )
        for student_id in declined_ids:
            _decline_child(user=user, guardian_ids=guardian_ids, student_id=student_id, facts=facts)
        notification_send(
            channel="sms",
            destination=mobile,
            template="welcome",
            context={"identifier": user.identifier},
            user=user,
            establishment=first.establishment,
        )
    return user


def _decline_child(
    *, user: User, guardian_ids: list[int], student_id: int, facts: RequestFacts
) -> None:
    links = list(
        Guardianship.objects.filter(guardian_id__in=guardian_ids, student_id=student_id)
        .select_related("student__establishment", "guardian")
        .order_by("pk")
    )
    if not links:
        return
    student = links[0].student
    AttachmentReport.objects.create(
        reporter=user,
        guardian=links[0].guardian,
        student=student,
        establishment=student.establishment,
        comment=(
            "Déclaré à l'inscription : « je ne suis pas le représentant légal de cet élève ». "
            "Le lien avec ce responsable a été retiré ; rattachez de nouveau l'élève si c'est "
            "une erreur."
        ),
    )
    Guardianship.objects.filter(pk__in=[link.pk for link in links]).delete()
    audit_event_record(
        event_type=AuditEvent.Type.ATTACHMENT_REPORTED,
        subject=user,
        actor=user,
        establishment=student.establishment,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"student": student.pk, "via": "signup"},
    )
