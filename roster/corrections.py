"""Recording and ending the secretariat's corrections, which the next import keeps.

The console's actions call these, one call per action, inside their own transaction
(console/actions.py); the import reads and settles the corrections itself
(roster/imports/corrections.py). Rules (docs/IMPORT.md, "Corrections du portail"):

- a guardian typed in by hand (no SIECLE id) is never touched by an import: nothing to keep;
- the first correction of a field remembers what SIECLE said (the value it replaces); a later
  correction of the same field only replaces the portal's value; putting SIECLE's value back
  ends the correction (dropped);
- a link the school detaches after a report is kept detached until SIECLE stops declaring it.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from accounts.models import AttachmentReport, Guardian, User
from roster.models import RosterCorrection

CONTACT_FIELDS = (
    RosterCorrection.Field.MOBILE,
    RosterCorrection.Field.EMAIL,
    RosterCorrection.Field.ACCEPTS_SMS,
)


def encode_value(value: str | bool | None) -> str:
    """A guardian's value as a correction stores it: text as is, a consent as "1" or "0"."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return value or ""


def decode_value(field: str, value: str) -> str | bool:
    """The value to put back on the guardian for ``field``."""
    if field == RosterCorrection.Field.ACCEPTS_SMS:
        return value == "1"
    return value


def roster_correction_record_contact(
    *, staff: User, guardian: Guardian, previous: Mapping[str, str | bool]
) -> None:
    """Remember the contact values the secretariat just changed on ``guardian``.

    ``previous`` holds the values before the change (mobile, email, accepts_sms); ``guardian``
    carries the new ones. Only fields that differ are recorded.
    """
    if not guardian.external_id:
        return
    pairs = {
        str(field): (encode_value(previous[field]), encode_value(getattr(guardian, field)))
        for field in CONTACT_FIELDS
        if field in previous
    }
    changes = {field: pair for field, pair in pairs.items() if pair[0] != pair[1]}
    if changes:
        with transaction.atomic():
            _record_contact(staff, guardian, changes)


def _record_contact(staff: User, guardian: Guardian, changes: dict[str, tuple[str, str]]) -> None:
    active = {
        correction.field: correction
        for correction in RosterCorrection.objects.select_for_update().filter(
            guardian=guardian,
            student__isnull=True,
            status=RosterCorrection.Status.ACTIVE,
            field__in=list(changes),
        )
    }
    now = timezone.now()
    for field, (old, new) in changes.items():
        correction = active.get(field)
        if correction is None:
            RosterCorrection.objects.create(
                establishment_id=guardian.establishment_id,
                guardian=guardian,
                field=field,
                corrected_value=new,
                siecle_value=old,
                origin=RosterCorrection.Origin.CONSOLE,
                corrected_at=now,
                corrected_by=staff,
            )
        elif new == correction.siecle_value:
            _close(correction, status=RosterCorrection.Status.DROPPED, staff=staff)
        else:
            correction.corrected_value = new
            correction.corrected_at = now
            correction.corrected_by = staff
            correction.save(update_fields=["corrected_value", "corrected_at", "corrected_by"])


def roster_correction_record_detach(*, staff: User, report: AttachmentReport) -> None:
    """Remember that the school detached the reported child from this guardian."""
    guardian, student = report.guardian, report.student
    if guardian is None or not guardian.external_id or not student.external_id:
        return
    exists = RosterCorrection.objects.filter(
        guardian=guardian, student=student, status=RosterCorrection.Status.ACTIVE
    ).exists()
    if exists:
        return
    RosterCorrection.objects.create(
        establishment_id=report.establishment_id,
        guardian=guardian,
        student=student,
        field=RosterCorrection.Field.LINK,
        origin=RosterCorrection.Origin.REPORT,
        report=report,
        corrected_by=staff,
    )


def roster_correction_drop(*, staff: User, correction: RosterCorrection) -> bool:
    """End an active correction: the next import takes SIECLE's value. False if already ended."""
    return _close(correction, status=RosterCorrection.Status.DROPPED, staff=staff)


def _close(correction: RosterCorrection, *, status: str, staff: User | None) -> bool:
    closed = RosterCorrection.objects.filter(
        pk=correction.pk, status=RosterCorrection.Status.ACTIVE
    ).update(status=status, resolved_at=timezone.now(), resolved_by=staff)
    return bool(closed)
