"""Accounts the school creates for people it knows: students from the roster, and parents it
registers at the counter (no mobile, no e-mail). Each gets an identifier from the one rule and
a temporary password shown once, on a printed letter (``console.letters``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Establishment, Guardian, Student, User
from accounts.people import legal_children
from accounts.services import guardian_records_tie, user_create
from console.actions import staff_set_temporary_password


def _account_provision(
    *,
    staff: User,
    kind: str,
    first_name: str,
    last_name: str,
    establishment: Establishment,
    details: dict[str, object],
    student_id: int | None = None,
    guardian_ids: list[int] | None = None,
    ip_address: str = "",
) -> tuple[User, str]:
    """One account the school creates for a person it knows (a student from the roster, a
    parent seen at the counter): the one identifier rule, the school's record(s) tied, audited
    with the staff member as actor, and a temporary password returned once for the letter.
    The account is not activated: its owner must change the password at the first sign-in,
    which activates it (``accounts.services.user_set_password``). Runs in the caller's
    transaction; the temporary password is refused (``PermissionDenied``, nothing written)
    unless every school holding a record of the account is the staff member's."""
    user = user_create(
        kind=kind,
        first_name=first_name,
        last_name=last_name,
        password=None,
        must_change_password=True,
        activated=False,
        student_id=student_id,
    )
    if guardian_ids:
        guardian_records_tie(user=user, guardian_ids=guardian_ids)
    audit_event_record(
        event_type=AuditEvent.Type.ACCOUNT_CREATED,
        subject=user,
        actor=staff,
        establishment=establishment,
        ip_address=ip_address,
        details={"via": "console", **details},
    )
    password = staff_set_temporary_password(staff=staff, user=user, ip_address=ip_address)
    return user, password


def students_provision(
    *, staff: User, students: list[Student], ip_address: str = ""
) -> list[tuple[User, str]]:
    """Create the accounts of ``students`` who have none (``_account_provision``); students
    who already have an account are left alone."""
    created: list[tuple[User, str]] = []
    for student in students:
        with transaction.atomic():
            locked = Student.objects.select_for_update().filter(pk=student.pk).first()
            if locked is None or User.objects.filter(student_id=student.pk).exists():
                continue
            created.append(
                _account_provision(
                    staff=staff,
                    kind=User.Kind.STUDENT,
                    first_name=student.first_name,
                    last_name=student.last_name,
                    establishment=student.establishment,
                    details={"student": student.pk},
                    student_id=student.pk,
                    ip_address=ip_address,
                )
            )
    return created


@dataclass
class GuardiansProvisioning:
    """What ``guardians_provision`` did: the accounts created (with their temporary password,
    for the letters) and the records it refused, by reason."""

    created: list[tuple[User, str]] = field(default_factory=list)
    already_registered: list[Guardian] = field(default_factory=list)
    no_legal_child: list[Guardian] = field(default_factory=list)


def guardians_provision(
    *, staff: User, guardians: list[Guardian], ip_address: str = ""
) -> GuardiansProvisioning:
    """Create the account of a parent the school registers at the counter (no mobile, no
    e-mail: a letter instead of the SMS code): the record is tied to the new account, and with
    it the children the roster says this guardian is legal guardian of. Staff saw the person,
    so there is no code and no birth-date step (self-registration's proofs).

    A record already tied to an account is refused (never a second account, and the existing
    account is not touched); so is a record that is legal guardian of no child, as at
    self-registration (``recovery.errors.NoLegalChild``)."""
    outcome = GuardiansProvisioning()
    for guardian in guardians:
        with transaction.atomic():
            locked = (
                Guardian.objects.select_for_update()
                .filter(pk=guardian.pk)
                .select_related("establishment")
                .first()
            )
            if locked is None:
                continue
            if locked.account_id is not None:
                outcome.already_registered.append(locked)
                continue
            children = [child.student_id for child in legal_children([locked.pk])]
            if not children:
                outcome.no_legal_child.append(locked)
                continue
            outcome.created.append(
                _account_provision(
                    staff=staff,
                    kind=User.Kind.PARENT,
                    first_name=locked.first_name,
                    last_name=locked.last_name,
                    establishment=locked.establishment,
                    details={"guardians": [locked.pk], "children": children},
                    guardian_ids=[locked.pk],
                    ip_address=ip_address,
                )
            )
    return outcome
