"""What people change in *Mon compte*: password, e-mail, sessions, attachment reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AttachmentReport, AuditEvent, Guardianship, Student, User
from accounts.notices import notify_password_changed
from accounts.services import user_set_password
from accounts.sessions import sessions_end
from notifications.services import notification_send
from recovery import codes
from recovery.models import VerificationCode

EMAIL_LINK_LIFETIME = timedelta(hours=24)  # the lifetime the verification e-mail announces
JOURNAL_DAYS = 90


@dataclass(frozen=True)
class RequestFacts:
    """Who asks, from where: what the audit journal records."""

    ip_address: str
    user_agent: str
    session_key: str | None = None


class EmailLinkInvalid(Exception):
    """The e-mail verification link is unknown, used, superseded, expired or not for this user."""


def password_change(*, user: User, new_password: str, facts: RequestFacts) -> None:
    """Set a new password chosen by the owner; every other session ends, the owner is told."""
    with transaction.atomic():
        user_set_password(user=user, password=new_password, must_change=False)
        audit_event_record(
            event_type=AuditEvent.Type.PASSWORD_CHANGED,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )
        notify_password_changed(user)
    sessions_end(user=user, except_key=facts.session_key)


def email_change_request(*, user: User, new_email: str, facts: RequestFacts) -> None:
    """Send a single-use link to the new address; the verified one stays until it is used."""
    token = codes.new_link_token()
    now = timezone.now()
    with transaction.atomic():
        VerificationCode.objects.filter(
            user=user, purpose=VerificationCode.Purpose.EMAIL_VERIFICATION, consumed_at=None
        ).update(consumed_at=now)
        VerificationCode.objects.create(
            purpose=VerificationCode.Purpose.EMAIL_VERIFICATION,
            channel=VerificationCode.Channel.EMAIL,
            destination=new_email,
            user=user,
            secret_hash=codes.hash_secret(token),
            expires_at=now + EMAIL_LINK_LIFETIME,
        )
        link = settings.SITE_URL + reverse("accounts:verify_email_link", args=[token])
        notification_send(
            channel="email",
            destination=new_email,
            template="email_verification",
            context={"identifier": user.identifier},
            secrets={"link": link},
            user=user,
        )
        audit_event_record(
            event_type=AuditEvent.Type.EMAIL_CHANGE_REQUESTED,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )


def email_link_lookup(*, user: User, token: str) -> VerificationCode:
    now = timezone.now()
    code = VerificationCode.objects.filter(
        purpose=VerificationCode.Purpose.EMAIL_VERIFICATION,
        secret_hash=codes.hash_secret(token),
    ).first()
    if code is None or code.user_id != user.pk or code.is_consumed or code.is_expired(now):
        raise EmailLinkInvalid
    return code


def email_verify(*, user: User, token: str, facts: RequestFacts) -> str:
    """Make the new address the verified one; the previous one is told. Returns the address."""
    with transaction.atomic():
        code = email_link_lookup(user=user, token=token)
        claimed = VerificationCode.objects.filter(pk=code.pk, consumed_at=None).update(
            consumed_at=timezone.now()
        )
        if not claimed:
            raise EmailLinkInvalid
        previous = user.email if user.has_verified_email else ""
        user.email = code.destination
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email", "email_verified_at"])
        if previous and previous.lower() != code.destination.lower():
            notification_send(
                channel="email",
                destination=previous,
                template="email_changed",
                context={"identifier": user.identifier},
                user=user,
            )
        audit_event_record(
            event_type=AuditEvent.Type.EMAIL_VERIFIED,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )
    return code.destination


def session_end_by_owner(*, user: User, facts: RequestFacts, session_id: int | None = None) -> int:
    """End one of the owner's other sessions, or all of them when ``session_id`` is None."""
    ended = sessions_end(user=user, except_key=facts.session_key, only_id=session_id)
    if ended:
        audit_event_record(
            event_type=AuditEvent.Type.SESSION_ENDED,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"count": ended},
        )
    return ended


def attachment_report_create(
    *, user: User, student_id: int, comment: str, facts: RequestFacts
) -> AttachmentReport:
    """Record "I am not the legal guardian of this child" for the child's school to handle.

    Raises Student.DoesNotExist for a child not attached to this account.
    """
    link = (
        Guardianship.objects.select_related("student", "guardian")
        .filter(guardian__account=user, student_id=student_id)
        .first()
    )
    if link is None:
        raise Student.DoesNotExist
    with transaction.atomic():
        report, _created = AttachmentReport.objects.get_or_create(
            reporter=user,
            student=link.student,
            status=AttachmentReport.Status.OPEN,
            defaults={
                "guardian": link.guardian,
                "establishment_id": link.student.establishment_id,
                "comment": comment[:1000],
            },
        )
        audit_event_record(
            event_type=AuditEvent.Type.ATTACHMENT_REPORTED,
            subject=user,
            actor=user,
            establishment=link.student.establishment,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"student": link.student_id},
        )
    return report


def journal(user: User) -> list[AuditEvent]:
    since = timezone.now() - timedelta(days=JOURNAL_DAYS)
    return list(
        AuditEvent.objects.filter(subject=user, created_at__gte=since).select_related("actor")[:200]
    )
