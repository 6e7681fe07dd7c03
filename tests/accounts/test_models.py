"""Invariants the database enforces, not only Python."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Establishment, Guardian, User
from tests.conftest import make_guardian, make_student


def test_identifiers_are_unique_whatever_the_case(db: None) -> None:
    User.objects.create(identifier="lea.dupont1", kind="student")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="lea.dupont1", kind="parent")


def test_an_upper_case_identifier_is_refused(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="Lea.Dupont1", kind="student")


def test_a_student_has_at_most_one_account(college: Establishment) -> None:
    student = make_student(college)
    User.objects.create(identifier="lea.dupont1", kind="student", student=student)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="lea.dupont2", kind="student", student=student)


def test_only_student_accounts_link_to_a_student(college: Establishment) -> None:
    student = make_student(college)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="patrick.dupont1", kind="parent", student=student)


def test_a_verified_email_cannot_be_blank(db: None) -> None:
    from django.utils import timezone

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="a.b1", kind="parent", email_verified_at=timezone.now())


def test_a_guardian_mobile_is_stored_in_e164(college: Establishment) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_guardian(college, mobile="0612345678")


def test_an_ine_belongs_to_one_student_but_many_have_none(college: Establishment) -> None:
    make_student(college, ine="")
    make_student(college, ine="")
    make_student(college, ine="070123456AB")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_student(college, ine="070123456AB")


def test_external_ids_are_unique_within_a_school_only(
    college: Establishment, lycee: Establishment
) -> None:
    make_guardian(college, external_id="R1")
    make_guardian(lycee, external_id="R1")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_guardian(college, external_id="R1")
    assert Guardian.objects.count() == 2


def test_login_lookup_ignores_case(db: None) -> None:
    user = User.objects.create(identifier="lea.dupont1", kind="student")
    assert User.objects.get_by_natural_key(" LEA.Dupont1 ") == user
