"""What people change in Mon compte: password, e-mail, sessions, attachment reports."""

from __future__ import annotations

from django.db import transaction

from accounts.audit import audit_event_record
from accounts.models import AttachmentReport, AuditEvent, Guardianship, Student, User
from accounts.sessions import sessions_end
from core.http import RequestFacts
from identity.backchannel import Reason, logout_everywhere
from recovery.flows.email_verification import EmailVerificationFlow
from recovery.passwords import password_replace


def password_change(*, user: User, new_password: str, facts: RequestFacts) -> None:
    """Set a new password chosen by the owner; every other session ends, the owner is told."""
    password_replace(
        user=user,
        new_password=new_password,
        event_type=AuditEvent.Type.PASSWORD_CHANGED,
        facts=facts,
        keep_session_key=facts.session_key,
    )


def email_change_request(*, user: User, new_email: str, facts: RequestFacts) -> None:
    """Send a single-use link to the new address; the verified one stays until it is used."""
    EmailVerificationFlow.initiate(user=user, new_email=new_email, facts=facts)


def session_end_by_owner(*, user: User, facts: RequestFacts, session_id: int | None = None) -> int:
    """End one of the owner's other sessions, or all of them when ``session_id`` is None."""
    ended = sessions_end(user=user, except_key=facts.session_key, only_id=session_id)
    if ended and session_id is None:  # "end every other session": the services too
        logout_everywhere(user, Reason.SESSIONS_ENDED)
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
