"""A school imports its SIECLE exports for the first time, then again and again."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_django import DjangoAssertNumQueries

from accounts.models import Establishment, Guardian, Guardianship, Student
from tests.roster.imports.builders import (
    GUARDIANS_ZIP,
    STUDENTS_FILE,
    count_writes,
    import_samples,
    roster_snapshot,
)

pytestmark = pytest.mark.django_db


def test_it_counts_what_the_first_import_creates(college: Establishment) -> None:
    report = import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)

    assert report.applied
    assert (report.students.created, report.students.updated, report.students.left) == (5, 0, 0)
    assert report.guardians.created == 6
    assert report.links.created == 7
    assert report.rows_written == 18
    assert Student.objects.filter(establishment=college).count() == 5
    assert Guardian.objects.filter(establishment=college).count() == 6
    assert Guardianship.objects.count() == 7


def test_it_reads_iso_8859_15_names_with_accents(college: Establishment) -> None:
    import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)

    assert Student.objects.get(external_id="100003").last_name == "BŒUF"
    assert Student.objects.get(external_id="100003").first_name == "Noël"
    assert Guardian.objects.get(external_id="200003").first_name == "Marie-Hélène"


def test_it_keeps_the_family_name_not_the_usage_name(college: Establishment) -> None:
    import_samples(college, GUARDIANS_ZIP)

    assert Guardian.objects.get(external_id="200003").last_name == "LEFÈVRE"


def test_it_maps_the_student_fields(college: Establishment) -> None:
    import_samples(college, STUDENTS_FILE)

    lea = Student.objects.get(establishment=college, external_id="100001")
    assert (lea.ine, lea.last_name, lea.first_name) == ("070803070AJ", "DUPONT", "Léa")
    assert lea.birth_date == dt.date(2012, 3, 14)
    assert lea.left_on is None
    assert Student.objects.get(external_id="100004").ine == ""


def test_it_takes_the_division_as_class_even_after_a_group(college: Establishment) -> None:
    import_samples(college, STUDENTS_FILE)

    assert Student.objects.get(external_id="100001").class_name == "5A"  # LATIN5 (G) first
    assert Student.objects.get(external_id="100003").class_name == "4B"  # ESP4 (G) after


def test_it_stores_mobiles_in_e164_from_every_spelling(college: Establishment) -> None:
    import_samples(college, GUARDIANS_ZIP)

    mobiles = dict(Guardian.objects.values_list("external_id", "mobile"))
    assert mobiles["200001"] == "+33612345678"  # 06 12 34 56 78
    assert mobiles["200002"] == "+33698765432"  # +33 6 98 …
    assert mobiles["200003"] == "+33611223344"  # 0033…
    assert mobiles["200004"] == "+262692123456"  # Réunion
    assert mobiles["200006"] == ""  # none declared


def test_it_respects_the_family_sms_consent(college: Establishment) -> None:
    import_samples(college, GUARDIANS_ZIP)

    consent = dict(Guardian.objects.values_list("external_id", "accepts_sms"))
    assert consent == {
        "200001": True,  # 1
        "200002": True,  # true
        "200003": False,  # 0
        "200004": False,  # false
        "200005": True,
        "200006": True,  # element absent: the model's default for a new guardian
    }


def test_it_maps_responsibility_levels_and_relationships(college: Establishment) -> None:
    import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)

    links = {
        (g.student.external_id, g.guardian.external_id): (g.responsibility_level, g.relationship)
        for g in Guardianship.objects.select_related("student", "guardian")
    }
    assert links == {
        ("100001", "200001"): (1, "pere"),
        ("100001", "200002"): (1, "mere"),
        ("100002", "200003"): (1, "mere"),
        ("100002", "200001"): (3, "autre"),  # CODE_PARENTE 90
        ("100003", "200004"): (1, "tuteur"),  # 50
        ("100004", "200005"): (1, "pere"),
        ("100004", "200006"): (2, "famille"),  # 38
    }


def test_it_writes_nothing_in_a_dry_run(college: Establishment) -> None:
    with count_writes() as writes:
        report = import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP, apply=False)

    assert not report.applied
    assert report.students.created == 5
    assert writes.statements == []
    assert Student.objects.count() == 0


def test_it_changes_nothing_when_the_same_files_come_again(college: Establishment) -> None:
    import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)
    before = roster_snapshot()

    with count_writes() as writes:
        report = import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)

    assert writes.statements == []
    assert report.rows_written == 0
    assert (report.students.unchanged, report.guardians.unchanged, report.links.unchanged) == (
        5,
        6,
        7,
    )
    assert roster_snapshot() == before


def test_it_reads_the_whole_roster_in_a_few_queries(
    college: Establishment, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)

    # Lock, students, INEs elsewhere, the portal's corrections (one UNION of the recorded ones
    # and the refusals read from reports), guardians, links, the journal entry (+ the test's
    # savepoint and release): the same whatever the roster's size.
    with django_assert_max_num_queries(9):
        import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)


def test_it_imports_pre_2018_exports_with_nom_and_resp_legal(college: Establishment) -> None:
    report = import_samples(
        college, "ElevesSansAdresses_2016.xml", "ResponsablesSansAdresses_2016.xml"
    )

    assert report.rejections == []
    assert Student.objects.get(external_id="4501").last_name == "BENALI"
    assert Guardian.objects.get(external_id="7803").first_name == "Gérard"
    levels = dict(Guardianship.objects.values_list("guardian__external_id", "responsibility_level"))
    assert levels == {"7801": 1, "7802": 1, "7803": 3}  # RESP_LEGAL 1, 2 → 1; 0 → 3
    assert Guardian.objects.get(external_id="7801").mobile == "+33611223344"  # 06.11.22.33.44


def test_it_imports_guardians_alone_against_the_stored_students(college: Establishment) -> None:
    import_samples(college, STUDENTS_FILE)

    report = import_samples(college, GUARDIANS_ZIP)

    assert report.students.created == 0
    assert report.links.created == 7
