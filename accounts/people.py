"""Reads about people on the roster: which school records match a person, which children they
may claim, which school-declared mobiles reach an account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import Establishment, Guardian, Guardianship, User
from core.text import fold_name


def account_sms_destinations(user: User) -> list[tuple[str, Establishment]]:
    """The school-declared mobiles of a parent (never one typed by the user), with the school
    that declared each; families who refused SMS are not texted."""
    if user.kind != User.Kind.PARENT:
        return []
    records = (
        user.guardian_records.filter(accepts_sms=True)
        .exclude(mobile="")
        .select_related("establishment")
        .order_by("pk")
    )
    return sms_destinations_of(records)


def guardian_records_of(user: User) -> list[Guardian]:
    """Every school record of a parent, with its school, in a stable order (none for a student
    or staff): what ``sms_destinations_of`` and the recovery channels read, in one query."""
    if user.kind != User.Kind.PARENT:
        return []
    return list(
        Guardian.objects.filter(account_id=user.pk).select_related("establishment").order_by("pk")
    )


def sms_destinations_of(records: Iterable[Guardian]) -> list[tuple[str, Establishment]]:
    """``account_sms_destinations`` over records already loaded (with their school)."""
    seen: dict[str, Establishment] = {}
    for record in records:
        if record.accepts_sms and record.mobile:
            seen.setdefault(record.mobile, record.establishment)
    return sorted(seen.items(), key=lambda item: item[0])


def comparable_name(name: str) -> str:
    """Names compared case-, accent-, hyphen- and space-insensitively."""
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
