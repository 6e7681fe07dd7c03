"""Rows the import refuses one by one, with the reason the secretariat reads; the rest imports."""

from __future__ import annotations

import pytest

from accounts.models import Establishment, Guardian, Guardianship, Student
from roster.imports import RowIssue
from tests.roster.imports.builders import (
    guardians_xml,
    link,
    person,
    run_import,
    student,
    students_xml,
)

pytestmark = pytest.mark.django_db


def _messages(issues: list[RowIssue]) -> list[str]:
    return [str(issue) for issue in issues]


def test_it_rejects_bad_dates_and_imports_the_other_students(college: Establishment) -> None:
    report = run_import(
        college,
        (
            "e.xml",
            students_xml(
                [
                    student("1"),
                    student("2", last="Roux", first="Théo", born="31/02/2012"),
                    student("3", last="Petit", born=None),
                    student("4", last="Faure", born="12/12/2999"),
                    student("5", last="Blanc", left="demain"),
                    student("6", last="Noir", born="2012-04-02"),
                ]
            ),
        ),
    )

    assert report.students.created == 2
    assert _messages(report.rejections) == [
        "e.xml, élève 2 (Roux Théo) : date de naissance invalide « 31/02/2012 »",
        "e.xml, élève 3 (Petit Émile) : date de naissance absente",
        "e.xml, élève 4 (Faure Émile) : date de naissance dans le futur « 12/12/2999 »",
        "e.xml, élève 5 (Blanc Émile) : date de sortie invalide « demain »",
    ]


def test_it_rejects_rows_without_ids_or_names(college: Establishment) -> None:
    report = run_import(
        college,
        ("e.xml", students_xml([student(None), student("2", last=None), student("3", first="")])),
    )

    assert [issue.message for issue in report.rejections] == [
        "identifiant de l'élève absent ou invalide",
        "nom absent",
        "prénom absent",
    ]
    assert Student.objects.count() == 0


def test_it_does_not_take_a_rejected_student_for_one_who_left(college: Establishment) -> None:
    run_import(college, ("e.xml", students_xml([student("1"), student("2")])))

    report = run_import(
        college, ("e.xml", students_xml([student("1"), student("2", born="99/99/2012")]))
    )

    assert report.students.left == 0
    assert Student.objects.get(external_id="2").left_on is None


def test_it_rejects_a_duplicated_student_id(college: Establishment) -> None:
    report = run_import(
        college, ("e.xml", students_xml([student("1"), student("1", first="Autre")]))
    )

    assert report.students.created == 1
    assert "identifiant en double" in str(report.rejections[0])


def test_it_imports_a_guardian_with_an_impossible_mobile_without_it_and_says_so(
    college: Establishment,
) -> None:
    report = run_import(
        college,
        (
            "r.xml",
            guardians_xml(
                [
                    person("10", mobile="00 00 00 00 00"),
                    person("11", first="Marc", mobile="01 40 00 00 00"),
                    person("12", first="Zoé", mail="pas-une-adresse"),
                    person("13", first="Léo", sms="peut-être"),
                ],
                [],
            ),
        ),
    )

    assert report.guardians.created == 4
    assert report.rejections == []
    assert _messages(report.warnings) == [
        "r.xml, responsable 10 (Durand Claire) : numéro de mobile impossible "
        "« 00 00 00 00 00 » : responsable importé sans mobile",
        "r.xml, responsable 11 (Durand Marc) : numéro de mobile impossible "
        "« 01 40 00 00 00 » : responsable importé sans mobile",
        "r.xml, responsable 12 (Durand Zoé) : adresse e-mail invalide « pas-une-adresse » : "
        "responsable importé sans e-mail",
        "r.xml, responsable 13 (Durand Léo) : consentement SMS illisible « peut-être » : "
        "considéré comme un refus",
    ]
    assert Guardian.objects.get(external_id="10").mobile == ""
    assert Guardian.objects.get(external_id="13").accepts_sms is False


def test_it_forgets_the_old_mobile_when_the_new_one_is_impossible(college: Establishment) -> None:
    run_import(college, ("r.xml", guardians_xml([person("10")], [])))

    run_import(college, ("r.xml", guardians_xml([person("10", mobile="06 12")], [])))

    assert Guardian.objects.get(external_id="10").mobile == ""


def test_it_rejects_links_to_unknown_students_and_bad_levels(college: Establishment) -> None:
    run_import(college, ("e.xml", students_xml([student("1"), student("2")])))

    report = run_import(
        college,
        (
            "r.xml",
            guardians_xml(
                [person("10"), person("11", last=None)],
                [
                    link("1", "10"),
                    link("99", "10"),
                    link("2", "10", level=None),
                    link("2", "10", level="7"),
                    link("1", "12"),
                    link("1", "11"),
                    link(None, "10"),
                    link("1", "10"),
                ],
            ),
        ),
    )

    assert report.links.created == 1
    assert [issue.message for issue in report.rejections] == [
        "nom absent",
        "niveau de responsabilité absent ou inconnu",
        "niveau de responsabilité absent ou inconnu",
        "identifiant de l'élève absent ou invalide",
        "élève inconnu (identifiant 99) : lien ignoré",
        "responsable absent du fichier (identifiant 12) : lien ignoré",
        "lien en double",
    ]


def test_it_keeps_a_stored_link_whose_row_was_rejected(college: Establishment) -> None:
    run_import(college, ("e.xml", students_xml([student("1")])))
    run_import(college, ("r.xml", guardians_xml([person("10")], [link("1", "10")])))

    report = run_import(
        college, ("r.xml", guardians_xml([person("10")], [link("1", "10", level="")]))
    )

    assert report.links.left == 0
    assert Guardianship.objects.count() == 1


def test_it_keeps_the_links_of_a_guardian_whose_row_was_rejected(college: Establishment) -> None:
    run_import(college, ("e.xml", students_xml([student("1")])))
    run_import(college, ("r.xml", guardians_xml([person("10")], [link("1", "10")])))

    report = run_import(
        college, ("r.xml", guardians_xml([person("10", first=None)], [link("1", "10")]))
    )

    assert report.links.left == 0
    assert report.guardians.left == 0
    assert Guardianship.objects.count() == 1
