"""What a later export changes: mobiles, departures, returns, links, and what it never does."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Establishment, Guardian, Guardianship, Student, User
from roster.imports import ImportReport, roster_import
from tests.conftest import make_parent_account
from tests.roster.imports.builders import (
    count_writes,
    guardians_xml,
    link,
    person,
    student,
    students_xml,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 1, 5)


def _students(*rows: dict) -> tuple[str, bytes]:
    return "ElevesSansAdresses.xml", students_xml(list(rows))


def _guardians(persons: list[dict], links: list[dict]) -> tuple[str, bytes]:
    return "ResponsablesSansAdresses.xml", guardians_xml(persons, links)


def _import(college: Establishment, *files: tuple[str, bytes]) -> ImportReport:
    return roster_import(establishment=college, files=list(files), apply=True, today=TODAY)


@pytest.fixture
def family(college: Establishment) -> None:
    _import(
        college,
        _students(student("1", first="Léa"), student("2", first="Hugo")),
        _guardians(
            [person("10", first="Claire"), person("11", first="Marc", mobile="0611111111")],
            [link("1", "10"), link("2", "10"), link("1", "11", code="20")],
        ),
    )


def test_it_applies_a_changed_mobile_at_once(college: Establishment, family: None) -> None:
    with count_writes() as writes:
        report = _import(
            college,
            _guardians(
                [
                    person("10", first="Claire", mobile="07 81 22 33 44"),
                    person("11", first="Marc", mobile="0611111111"),
                ],
                [link("1", "10"), link("2", "10"), link("1", "11", code="20")],
            ),
        )

    assert Guardian.objects.get(external_id="10").mobile == "+33781223344"
    assert (report.guardians.updated, report.guardians.unchanged) == (1, 1)
    assert report.rows_written == 1
    assert len(writes.statements) == 1 and writes.statements[0].startswith("UPDATE")


def test_it_detaches_a_student_absent_from_the_students_file(
    college: Establishment, family: None
) -> None:
    parent = make_parent_account(Guardian.objects.get(external_id="10"))
    hugo = Student.objects.get(external_id="2")
    account = User.objects.create(identifier="hugo.durand1", kind=User.Kind.STUDENT, student=hugo)

    report = _import(college, _students(student("1", first="Léa")))

    hugo.refresh_from_db()
    assert hugo.left_on == TODAY
    assert report.students.left == 1
    assert report.students.unchanged == 1
    assert User.objects.filter(pk=account.pk, student=hugo).exists()  # never deleted
    assert User.objects.filter(pk=parent.pk).exists()
    assert Guardianship.objects.filter(student=hugo).count() == 1  # links kept


def test_it_detaches_a_student_with_a_leaving_date(college: Establishment, family: None) -> None:
    report = _import(
        college,
        _students(student("1", first="Léa"), student("2", first="Hugo", left="15/10/2025")),
    )

    assert Student.objects.get(external_id="2").left_on == dt.date(2025, 10, 15)
    assert report.students.left == 1


def test_it_counts_a_departure_once(college: Establishment, family: None) -> None:
    _import(college, _students(student("1", first="Léa")))

    with count_writes() as writes:
        report = _import(college, _students(student("1", first="Léa")))

    assert report.students.left == 0
    assert writes.statements == []


def test_it_attaches_again_a_student_who_comes_back(college: Establishment, family: None) -> None:
    _import(college, _students(student("1", first="Léa")))

    report = _import(college, _students(student("1", first="Léa"), student("2", first="Hugo")))

    assert Student.objects.get(external_id="2").left_on is None
    assert report.students.updated == 1


def test_it_updates_a_changed_class_and_name(college: Establishment, family: None) -> None:
    report = _import(
        college,
        _students(student("1", first="Léa", **{"class": "4A"}), student("2", first="Hugo-Jean")),
    )

    assert Student.objects.get(external_id="1").class_name == "4A"
    assert Student.objects.get(external_id="2").first_name == "Hugo-Jean"
    assert report.students.updated == 2


def test_it_removes_a_link_the_school_no_longer_declares(
    college: Establishment, family: None
) -> None:
    report = _import(
        college,
        _guardians(
            [person("10", first="Claire"), person("11", first="Marc", mobile="0611111111")],
            [link("1", "10"), link("2", "10")],
        ),
    )

    assert report.links.left == 1
    assert not Guardianship.objects.filter(guardian__external_id="11").exists()
    assert report.guardians.left == 0  # still listed, just no child


def test_it_keeps_a_guardian_no_longer_listed_and_their_account_but_not_their_rights(
    college: Establishment, family: None
) -> None:
    marc = Guardian.objects.get(external_id="11")
    account = make_parent_account(marc)

    report = _import(
        college, _guardians([person("10", first="Claire")], [link("1", "10"), link("2", "10")])
    )

    assert report.guardians.left == 1
    assert report.links.left == 1
    marc.refresh_from_db()
    assert marc.account == account
    assert not marc.guardianships.exists()


def test_it_changes_a_responsibility_level(college: Establishment, family: None) -> None:
    report = _import(
        college,
        _guardians(
            [person("10", first="Claire"), person("11", first="Marc", mobile="0611111111")],
            [link("1", "10"), link("2", "10"), link("1", "11", level="3", code="20")],
        ),
    )

    assert report.links.updated == 1
    assert Guardianship.objects.get(guardian__external_id="11").responsibility_level == 3


def test_it_keeps_the_stored_consent_when_the_file_does_not_carry_it(
    college: Establishment, family: None
) -> None:
    Guardian.objects.filter(external_id="10").update(accepts_sms=False)

    _import(
        college,
        _guardians(
            [
                person("10", first="Claire", sms=None),
                person("11", first="Marc", mobile="0611111111"),
            ],
            [link("1", "10"), link("2", "10"), link("1", "11", code="20")],
        ),
    )

    assert Guardian.objects.get(external_id="10").accepts_sms is False


def test_it_never_touches_rows_typed_in_by_hand(college: Establishment, family: None) -> None:
    manual = Student.objects.create(
        establishment=college, last_name="Main", first_name="Saisie", birth_date=dt.date(2012, 1, 1)
    )

    _import(college, _students(student("1", first="Léa")))

    manual.refresh_from_db()
    assert manual.left_on is None


def test_it_drops_an_ine_held_by_a_student_of_another_school(
    college: Establishment, lycee: Establishment
) -> None:
    Student.objects.create(
        establishment=lycee,
        external_id="9",
        ine="070803070AJ",
        last_name="Autre",
        first_name="Élève",
        birth_date=dt.date(2008, 1, 1),
    )

    report = _import(college, _students(student("1", ine="070803070AJ")))

    assert Student.objects.get(establishment=college, external_id="1").ine == ""
    assert "INE 070803070AJ déjà attribué" in str(report.warnings[0])


def test_it_moves_an_ine_from_one_student_to_another(college: Establishment) -> None:
    _import(college, _students(student("1", ine="070803070AJ")))

    report = _import(college, _students(student("1", ine=""), student("2", ine="070803070AJ")))

    assert report.warnings == []
    assert Student.objects.get(external_id="2").ine == "070803070AJ"


def test_it_imports_a_roster_of_another_school_side_by_side(
    college: Establishment, lycee: Establishment, family: None
) -> None:
    from roster.imports import roster_import

    roster_import(
        establishment=lycee,
        files=[("e.xml", students_xml([student("1", first="Autre")], uai="0910000F"))],
        apply=True,
    )

    assert Student.objects.filter(external_id="1").count() == 2
    assert Student.objects.get(establishment=college, external_id="1").first_name == "Léa"
