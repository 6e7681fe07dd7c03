"""What the secretariat does from the console; every action is audited with the staff member as
actor, so the family sees it in its journal."""

from __future__ import annotations

import secrets
import string

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.access import may_sign_in
from accounts.audit import audit_event_record
from accounts.models import (
    AttachmentReport,
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    User,
)
from accounts.passwords import validate_new_password
from accounts.scoping import acting_establishment, visible_establishments
from accounts.services import user_deactivate
from core.channels import Channel
from core.http import RequestFacts
from core.links import absolute_url
from core.ratelimits import login_throttle_clear
from core.text import canonical_email
from notifications.notices import notify_account
from notifications.services import notification_send
from recovery.channels import RECOVERY_CHANNELS
from recovery.codes import codes_kill, email_links_kill
from recovery.deliveries.password_reset import reset_send
from recovery.models import VerificationCode
from recovery.passwords import password_replace
from roster.corrections import (
    decode_value,
    roster_correction_drop,
    roster_correction_record_contact,
    roster_correction_record_detach,
)
from roster.models import RosterCorrection

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


def staff_may_hand_out_password(staff: User, user: User) -> bool:
    """A temporary password opens the whole account: only staff who see every school holding a
    record of it may print one (académie level for a parent known to two schools). Others send
    a reset link, which goes to the numbers the schools hold and waits for a recent change of
    another school's number to settle (``recovery.channels``)."""
    if staff.is_superuser:
        return True
    held_by = Establishment.objects.filter(
        Q(students__account=user) | Q(guardians__account=user)
    ).exclude(pk__in=visible_establishments(staff).values("pk"))
    return not held_by.exists()


def staff_set_temporary_password(*, staff: User, user: User, ip_address: str = "") -> str:
    """Give the account a temporary password, shown once to the staff member; the owner must
    change it at the next sign-in, and every open session ends."""
    if not staff_may_hand_out_password(staff, user):
        raise PermissionDenied
    password = temporary_password(user)
    password_replace(
        user=user,
        new_password=password,
        event_type=AuditEvent.Type.TEMPORARY_PASSWORD_SET,
        facts=RequestFacts(ip_address=ip_address, user_agent=""),
        actor=staff,
        establishment=acting_establishment(staff, user),
        must_change=True,
    )
    return password


def staff_set_active(*, staff: User, user: User, active: bool, ip_address: str = "") -> bool:
    """Close or open a family's account again; closing is ``accounts.services.user_deactivate``
    (sessions, services logged out, journal). Never a superuser's account."""
    if user.is_active == active or user.is_superuser:
        return False
    establishment = acting_establishment(staff, user)
    facts = RequestFacts(ip_address=ip_address, user_agent="")
    if not active:
        return user_deactivate(user=user, actor=staff, facts=facts, establishment=establishment)
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_event_record(
            event_type=AuditEvent.Type.ACCOUNT_REACTIVATED,
            subject=user,
            actor=staff,
            establishment=establishment,
            ip_address=ip_address,
        )
    return True


def staff_change_guardian_contact(
    *,
    staff: User,
    guardian: Guardian,
    mobile: str,
    email: str,
    accepts_sms: bool | None = None,
    ip_address: str = "",
) -> None:
    """Apply a corrected mobile, e-mail or SMS consent (None: unchanged) at once for every
    journey; the old number is told, and the next import keeps the correction until SIECLE
    has it too (roster/corrections.py).

    A changed number is a new authenticator: every live code or link that may have gone to the
    old number dies (the account's reset codes, and any code sent to that number before an
    account existed), so only the new number can complete a reset; the cool-down keys on the
    destination, so a new request reaches the new number at once."""
    old_mobile = guardian.mobile
    if accepts_sms is None:
        accepts_sms = guardian.accepts_sms
    previous: dict[str, str | bool] = {
        "mobile": guardian.mobile,
        "email": guardian.email,
        "accepts_sms": guardian.accepts_sms,
    }
    if (mobile, email, accepts_sms) == tuple(previous.values()):
        return
    killed = 0
    with transaction.atomic():
        guardian.mobile, guardian.email, guardian.accepts_sms = mobile, email, accepts_sms
        guardian.save(update_fields=["mobile", "email", "accepts_sms", "updated_at"])
        roster_correction_record_contact(staff=staff, guardian=guardian, previous=previous)
        if old_mobile and old_mobile != mobile:
            reached_old = Q(destination=old_mobile)
            if guardian.account_id is not None:
                reached_old |= Q(user_id=guardian.account_id, channel=Channel.SMS)
            killed = codes_kill(
                codes=VerificationCode.objects.filter(reached_old), now=timezone.now()
            )
        if old_mobile and old_mobile != mobile and previous["accepts_sms"]:
            notification_send(
                channel=Channel.SMS,
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
            details={
                "guardian": guardian.pk,
                "mobile_changed": old_mobile != mobile,
                "email_changed": previous["email"] != email,
                "sms_consent_changed": previous["accepts_sms"] != accepts_sms,
                "codes_killed": killed,
            },
        )


def staff_account_email_saved(
    *, staff: User, user: User, previous_email: str, was_verified: bool, ip_address: str = ""
) -> None:
    """After the console saved an account's e-mail (a superuser's edit): when the verified
    address is no longer the one it was, every live reset link sent to it dies, audited as a
    change of contact, as ``staff_change_guardian_contact`` does for a mobile's codes."""
    before = canonical_email(previous_email) if previous_email and was_verified else ""
    after = user.email_key if user.has_verified_email else ""
    if not before or before == after:
        return
    with transaction.atomic():
        killed = email_links_kill(user_id=user.pk, now=timezone.now())
        audit_event_record(
            event_type=AuditEvent.Type.CONTACT_CHANGED,
            subject=user,
            actor=staff,
            establishment=acting_establishment(staff, user),
            ip_address=ip_address,
            details={
                "mobile_changed": False,
                "email_changed": True,
                "sms_consent_changed": False,
                "codes_killed": killed,
            },
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
            roster_correction_record_detach(staff=staff, report=report)
        report.status = (
            AttachmentReport.Status.DETACHED if detach else AttachmentReport.Status.DISMISSED
        )
        report.resolution_comment = comment[:1000]
        report.resolved_at = timezone.now()
        report.save(update_fields=["status", "resolution_comment", "resolved_at"])
        if report.reporter is not None:
            notify_account(
                report.reporter,
                "attachment_resolved",
                channels=(Channel.SMS,),
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


def staff_correction_drop(
    *, staff: User, correction: RosterCorrection, ip_address: str = ""
) -> bool:
    """Take SIECLE's value back instead of the portal's correction; False if already ended.

    A contact value goes back at once, through the same rules as any change of contact (codes
    sent to the corrected number die, that number is told); a detached link comes back with the
    next import, if SIECLE still declares it (the portal does not know its level by itself)."""
    with transaction.atomic():
        locked = (
            RosterCorrection.objects.select_for_update(of=("self",))
            .filter(pk=correction.pk, status=RosterCorrection.Status.ACTIVE)
            .select_related("guardian__establishment", "guardian__account")
            .first()
        )
        if locked is None:
            return False
        guardian = locked.guardian
        if locked.field != RosterCorrection.Field.LINK:
            contact: dict[str, str | bool] = {
                "mobile": guardian.mobile,
                "email": guardian.email,
                "accepts_sms": guardian.accepts_sms,
            }
            contact[locked.field] = decode_value(locked.field, locked.siecle_value)
            staff_change_guardian_contact(
                staff=staff,
                guardian=guardian,
                mobile=str(contact["mobile"]),
                email=str(contact["email"]),
                accepts_sms=bool(contact["accepts_sms"]),
                ip_address=ip_address,
            )
        roster_correction_drop(staff=staff, correction=locked)
        audit_event_record(
            event_type=AuditEvent.Type.ROSTER_CORRECTION_DROPPED,
            subject=guardian.account,
            actor=staff,
            establishment=guardian.establishment,
            ip_address=ip_address,
            details={"correction": locked.pk, "guardian": guardian.pk, "field": locked.field},
        )
    return True


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
            channel=Channel.SMS,
            destination=guardian.mobile,
            template="invitation",
            context={
                "school": guardian.establishment.name[:40],
                "url": absolute_url("recovery:signup"),
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
    *, staff: User, user: User, channel: Channel, ip_address: str = ""
) -> bool:
    """Send the owner a single-use link to choose a new password (its lifetime is
    ``recovery.codes.CODE_LIFETIME``): by SMS to the school-declared mobile(s), or to the
    verified e-mail. False when that channel is missing or the account may not sign in
    (``accounts.access``: deactivated, or neither activated nor given a temporary password)."""
    if not may_sign_in(user):
        return False
    school = acting_establishment(staff, user)
    with transaction.atomic():
        sent = reset_send(
            user=user,
            way=RECOVERY_CHANNELS[channel],
            as_code=False,
            now=timezone.now(),
            by_staff=True,
            establishment=school,
        )
        if not sent:
            return False
        audit_event_record(
            event_type=AuditEvent.Type.PASSWORD_RESET_REQUESTED,
            subject=user,
            actor=staff,
            establishment=school,
            ip_address=ip_address,
            details={"channel": channel.value, "by": "staff"},
        )
    return True


def staff_unlock(*, staff: User, user: User, ip_address: str = "") -> None:
    """Lift the login delay or lock of this identifier (the owner may try again at once)."""
    login_throttle_clear(identifier=user.identifier)
    audit_event_record(
        event_type=AuditEvent.Type.LOGIN_UNLOCKED,
        subject=user,
        actor=staff,
        establishment=acting_establishment(staff, user),
        ip_address=ip_address,
    )
