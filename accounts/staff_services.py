"""What the secretariat does to an account from the console; every action is audited with the
staff member as actor, so the family sees it in its journal (issue 6)."""

from __future__ import annotations

import secrets
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AttachmentReport, AuditEvent, Guardian, Guardianship, User
from accounts.notices import account_sms_destinations
from accounts.passwords import validate_new_password
from accounts.services import user_set_password
from accounts.sessions import sessions_end
from notifications.services import notification_send

# Letters and digits a parent cannot misread on a printed letter (no 0/O, 1/l/I).
_READABLE = "".join(ch for ch in string.ascii_letters + string.digits if ch not in "0O1lI")


def temporary_password(user: User) -> str:
    """Three groups of four readable characters, e.g. ``Kf7q-Wm3p-Xr9t``; meets the policy."""
    while True:
        groups = ["".join(secrets.choice(_READABLE) for _ in range(4)) for _ in range(3)]
        password = "-".join(groups)
        try:
            validate_new_password(password, user)
        except ValidationError:
            continue
        return password


def staff_set_temporary_password(*, staff: User, user: User, ip_address: str = "") -> str:
    """Give the account a temporary password, shown once to the staff member; the owner must
    change it at the next sign-in, and every open session ends."""
    password = temporary_password(user)
    with transaction.atomic():
        user_set_password(user=user, password=password, must_change=True)
        audit_event_record(
            event_type=AuditEvent.Type.TEMPORARY_PASSWORD_SET,
            subject=user,
            actor=staff,
            ip_address=ip_address,
        )
    sessions_end(user=user)
    return password


def staff_set_active(*, staff: User, user: User, active: bool, ip_address: str = "") -> bool:
    if user.is_active == active or user.is_superuser:
        return False
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_event_record(
            event_type=(
                AuditEvent.Type.ACCOUNT_REACTIVATED
                if active
                else AuditEvent.Type.ACCOUNT_DEACTIVATED
            ),
            subject=user,
            actor=staff,
            ip_address=ip_address,
        )
    if not active:
        sessions_end(user=user)
    return True


def staff_change_guardian_contact(
    *, staff: User, guardian: Guardian, mobile: str, email: str, ip_address: str = ""
) -> None:
    """Apply a corrected mobile or e-mail at once for every flow; the old number is told."""
    old_mobile = guardian.mobile
    if (mobile, email) == (guardian.mobile, guardian.email):
        return
    with transaction.atomic():
        guardian.mobile, guardian.email = mobile, email
        guardian.save(update_fields=["mobile", "email", "updated_at"])
        if old_mobile and old_mobile != mobile and guardian.accepts_sms:
            notification_send(
                channel="sms",
                destination=old_mobile,
                template="contact_changed",
                user=guardian.account,
                establishment=guardian.establishment,
            )
        audit_event_record(
            event_type=AuditEvent.Type.CONTACT_CHANGED,
            subject=guardian.account,
            actor=staff,
            establishment=guardian.establishment,
            ip_address=ip_address,
            details={"guardian": guardian.pk, "mobile_changed": old_mobile != mobile},
        )


def attachment_report_resolve(
    *, staff: User, report: AttachmentReport, detach: bool, comment: str, ip_address: str = ""
) -> None:
    """Detach the child from the reporting parent, or dismiss the report; the parent is told."""
    if report.status != AttachmentReport.Status.OPEN:
        return
    with transaction.atomic():
        if detach and report.guardian_id:
            Guardianship.objects.filter(
                guardian_id=report.guardian_id, student_id=report.student_id
            ).delete()
        report.status = (
            AttachmentReport.Status.DETACHED if detach else AttachmentReport.Status.DISMISSED
        )
        report.resolution_comment = comment[:1000]
        report.resolved_at = timezone.now()
        report.save(update_fields=["status", "resolution_comment", "resolved_at"])
        if report.reporter is not None:
            for mobile, _school in account_sms_destinations(report.reporter):
                notification_send(
                    channel="sms",
                    destination=mobile,
                    template="attachment_resolved",
                    user=report.reporter,
                    establishment=report.establishment,
                )
        audit_event_record(
            event_type=AuditEvent.Type.ATTACHMENT_RESOLVED,
            subject=report.reporter,
            actor=staff,
            establishment=report.establishment,
            ip_address=ip_address,
            details={"report": report.pk, "detached": detach},
        )


def staff_invite_guardian(*, staff: User, guardian: Guardian, ip_address: str = "") -> bool:
    """Text a legal guardian without an account the way to register; False when impossible
    (already registered, no mobile, SMS refused, not a legal guardian)."""
    eligible = (
        guardian.account_id is None
        and guardian.mobile
        and guardian.accepts_sms
        and guardian.guardianships.filter(responsibility_level=1).exists()
    )
    if not eligible:
        return False
    with transaction.atomic():
        notification_send(
            channel="sms",
            destination=guardian.mobile,
            template="invitation",
            context={
                "school": guardian.establishment.name[:40],
                "url": settings.SITE_URL + "/inscription/",
            },
            establishment=guardian.establishment,
        )
        audit_event_record(
            event_type=AuditEvent.Type.INVITATION_SENT,
            actor=staff,
            establishment=guardian.establishment,
            ip_address=ip_address,
            details={"guardian": guardian.pk},
        )
    return True


def staff_send_password_reset(
    *, staff: User, user: User, channel: str, ip_address: str = ""
) -> bool:
    """Send the owner a single-use 30-minute link to choose a new password: by SMS to the
    school-declared mobile(s), or to the verified e-mail. False when that channel is missing."""
    from django.urls import reverse
    from django.utils import timezone

    from recovery import codes
    from recovery.models import VerificationCode

    if channel == "sms":
        destinations = [mobile for mobile, _school in account_sms_destinations(user)]
    else:
        destinations = [user.email] if user.has_verified_email else []
    if not destinations or not user.is_active:
        return False
    token = codes.new_link_token()
    link = settings.SITE_URL + reverse("recovery:forgot_password_link", args=[token])
    with transaction.atomic():
        codes.code_issue(
            purpose=VerificationCode.Purpose.PASSWORD_RESET,
            channel=channel,
            destination=destinations[0],
            user_id=user.pk,
            secret=token,
            now=timezone.now(),
        )
        for destination in destinations:
            notification_send(
                channel=channel,
                destination=destination,
                template="password_reset_link",
                context={"identifier": user.identifier},
                secrets={"link": link},
                user=user,
            )
        audit_event_record(
            event_type=AuditEvent.Type.PASSWORD_RESET_REQUESTED,
            subject=user,
            actor=staff,
            ip_address=ip_address,
            details={"channel": channel, "by": "staff"},
        )
    return True


def staff_unlock(*, staff: User, user: User, ip_address: str = "") -> None:
    """Lift the login delay or lock of this identifier (the owner may try again at once)."""
    from accounts.throttling import login_throttle_clear

    login_throttle_clear(identifier=user.identifier)
    audit_event_record(
        event_type=AuditEvent.Type.LOGIN_UNLOCKED, subject=user, actor=staff, ip_address=ip_address
    )
