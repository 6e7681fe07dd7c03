"""A value the school corrected in the portal outlives the next imports until SIECLE agrees, or
until the secretariat takes SIECLE's value back; a link the school detached, or a parent
refused at sign-up, stays detached."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation
from pytest_django import DjangoAssertNumQueries

from accounts.models import AttachmentReport, Establishment, Guardian, Guardianship, Student, User
from accounts.services import parent_account_register
from core.http import RequestFacts
from roster.corrections import (
    roster_correction_drop,
    roster_correction_record_contact,
    roster_correction_record_detach,
)
from roster.imports import ImportReport, roster_import
from roster.models import RosterCorrection
from tests.roster.imports.builders import (
    count_writes,
    guardians_xml,
    link,
    person,
    student,
    students_xml,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)
FACTS = RequestFacts(ip_address="192.0.2.1", user_agent="test")
OLD_MOBILE, NEW_MOBILE = "06 11 22 33 44", "06 99 88 77 66"


def _students() -> tuple[str, bytes]:
    return "ElevesSansAdresses.xml", students_xml(
        [
            student("1", last="MARTIN-ROUSSEAU", first="Inès", **{"class": "5A"}),
            student("2", last="MARTIN-ROUSSEAU", first="Hugo", **{"class": "3B"}),
        ]
    )


def _guardians(
    *, mobile: str = OLD_MOBILE, mail: str | None = None, sms: str = "1", links=None
) -> tuple[str, bytes]:
    persons = [
        person("10", last="MARTIN-ROUSSEAU", first="Léa", mobile=mobile, mail=mail, sms=sms),
        person("11", last="MARTIN-ROUSSEAU", first="Paul", mobile="07 81 22 33 44"),
    ]
    if links is None:
        links = [link("1", "10"), link("2", "10"), link("1", "11", code="20")]
    return "ResponsablesSansAdresses.xml", guardians_xml(persons, links)


def _import(college: Establishment, *files: tuple[str, bytes], apply: bool = True) -> ImportReport:
    return roster_import(establishment=college, files=list(files), apply=apply, today=TODAY)


@pytest.fixture
def staff(college: Establishment) -> User:
    return User.objects.create(identifier="claire.bernard1", kind=User.Kind.STAFF, is_staff=True)


@pytest.fixture
def family(college: Establishment) -> None:
    _import(college, _students(), _guardians())


def lea() -> Guardian:
    return Guardian.objects.get(external_id="10")


def correct(staff: User, guardian: Guardian, **values: str | bool) -> None:
    """What the console's contact change does to the Guardian row, then its one roster call."""
    previous: dict[str, str | bool] = {
        "mobile": guardian.mobile,
        "email": guardian.email,
        "accepts_sms": guardian.accepts_sms,
    }
    for name, value in values.items():
        setattr(guardian, name, value)
    guardian.save()
    roster_correction_record_contact(staff=staff, guardian=guardian, previous=previous)


@pytest.fixture
def corrected(family: None, staff: User) -> RosterCorrection:
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)):
        correct(staff, lea(), mobile="+33699887766")
    return RosterCorrection.objects.get()


def test_it_keeps_a_corrected_mobile_over_siecles_and_names_the_conflict(
    college: Establishment, corrected: RosterCorrection
) -> None:
    report = _import(college, _students(), _guardians())

    assert lea().mobile == "+33699887766"
    assert report.conflicts == [
        "SIECLE a encore 06 11 22 33 44 pour Léa MARTIN-ROUSSEAU ; corrigé dans le portail le "
        "01/12/2026 (06 99 88 77 66) : conservé"
    ]
    assert report.guardians.updated == 0
    assert "SIECLE a encore 06 11 22 33 44 pour Léa MARTIN-ROUSSEAU" in report.as_text()
    assert "à reporter dans SIECLE" in report.as_text()
    corrected.refresh_from_db()
    assert corrected.is_active
    assert (corrected.corrected_value, corrected.siecle_value) == ("+33699887766", "+33611223344")


def test_it_remembers_what_siecle_said_before_the_first_correction(
    family: None, staff: User
) -> None:
    correct(staff, lea(), mobile="+33699887766")
    correct(staff, lea(), mobile="+33700000001")

    correction = RosterCorrection.objects.get()
    assert correction.siecle_value == "+33611223344"
    assert correction.corrected_value == "+33700000001"


def test_putting_siecles_value_back_by_hand_ends_the_correction(
    family: None, staff: User, corrected: RosterCorrection
) -> None:
    correct(staff, lea(), mobile="+33611223344")

    corrected.refresh_from_db()
    assert corrected.status == RosterCorrection.Status.DROPPED
    assert corrected.resolved_by == staff


def test_it_settles_the_correction_once_siecle_agrees_then_forgets_it(
    college: Establishment, corrected: RosterCorrection
) -> None:
    report = _import(college, _students(), _guardians(mobile=NEW_MOBILE))

    assert report.conflicts == []
    assert report.settled == [
        "Léa MARTIN-ROUSSEAU : SIECLE a maintenant 06 99 88 77 66, comme corrigé dans le portail "
        "le 01/12/2026"
    ]
    corrected.refresh_from_db()
    assert corrected.status == RosterCorrection.Status.SETTLED
    assert corrected.resolved_at is not None

    # Forgotten: a later change in SIECLE is SIECLE's to make again.
    later = _import(college, _students(), _guardians(mobile="07 55 44 33 22"))
    assert lea().mobile == "+33755443322"
    assert later.conflicts == [] and later.settled == []
    assert later.guardians.updated_rows[0].changes[0].new == "07 55 44 33 22"


def test_it_takes_siecles_value_once_the_secretariat_drops_the_correction(
    college: Establishment, staff: User, corrected: RosterCorrection
) -> None:
    assert roster_correction_drop(staff=staff, correction=corrected)

    report = _import(college, _students(), _guardians())

    assert lea().mobile == "+33611223344"
    assert report.conflicts == []
    assert str(report.guardians.updated_rows[0]) == (
        "Léa MARTIN-ROUSSEAU : mobile 06 99 88 77 66 → 06 11 22 33 44"
    )
    assert not roster_correction_drop(staff=staff, correction=corrected)  # already ended


def test_it_notes_siecles_latest_value_for_the_secretariat(
    college: Establishment, corrected: RosterCorrection
) -> None:
    report = _import(college, _students(), _guardians(mobile="07 55 44 33 22"))

    assert report.conflicts == [
        "SIECLE a maintenant 07 55 44 33 22 pour Léa MARTIN-ROUSSEAU ; corrigé dans le portail "
        "le 01/12/2026 (06 99 88 77 66) : conservé"
    ]
    corrected.refresh_from_db()
    assert corrected.siecle_value == "+33755443322"
    assert lea().mobile == "+33699887766"


def test_it_keeps_a_corrected_email_and_sms_consent(
    college: Establishment, family: None, staff: User
) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)):
        correct(staff, lea(), email="lea.martin@exemple.fr", accepts_sms=False)

    report = _import(college, _students(), _guardians(mail="ancienne@exemple.fr"))

    guardian = lea()
    assert (guardian.email, guardian.accepts_sms) == ("lea.martin@exemple.fr", False)
    assert sorted(report.conflicts) == [
        "SIECLE a encore « SMS acceptés » pour Léa MARTIN-ROUSSEAU ; corrigé dans le portail "
        "le 01/12/2026 (« SMS refusés ») : conservé",
        "SIECLE a maintenant ancienne@exemple.fr pour Léa MARTIN-ROUSSEAU ; corrigé dans le "
        "portail le 01/12/2026 (lea.martin@exemple.fr) : conservé",
    ]


def test_it_keeps_the_consent_when_an_older_export_does_not_carry_it(
    college: Establishment, family: None, staff: User
) -> None:
    correct(staff, lea(), accepts_sms=False)

    report = _import(college, _students(), _guardians(sms=""))

    assert lea().accepts_sms is False
    assert report.conflicts == [] and report.settled == []
    assert RosterCorrection.objects.get().is_active


def test_it_records_nothing_for_a_guardian_typed_in_by_hand(
    college: Establishment, staff: User
) -> None:
    guardian = Guardian.objects.create(
        establishment=college, last_name="Sans", first_name="Siecle", mobile="+33611111111"
    )

    correct(staff, guardian, mobile="+33622222222")

    assert not RosterCorrection.objects.exists()


def _detach(staff: User, guardian: Guardian, child: Student) -> AttachmentReport:
    report = AttachmentReport.objects.create(
        guardian=guardian,
        student=child,
        establishment=child.establishment,
        status=AttachmentReport.Status.DETACHED,
        resolved_at=timezone.now(),
    )
    Guardianship.objects.filter(guardian=guardian, student=child).delete()
    roster_correction_record_detach(staff=staff, report=report)
    return report


def test_it_keeps_a_link_detached_after_a_report_until_siecle_drops_it(
    college: Establishment, family: None, staff: User
) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)):
        _detach(staff, paul, ines)

    report = _import(college, _students(), _guardians())

    assert not Guardianship.objects.filter(guardian=paul, student=ines).exists()
    assert report.links.created == 0
    assert report.conflicts == [
        "SIECLE rattache encore Inès MARTIN-ROUSSEAU (5A) à Paul MARTIN-ROUSSEAU ; détaché dans "
        "le portail le 01/12/2026 : laissé détaché"
    ]

    agreed = _import(college, _students(), _guardians(links=[link("1", "10"), link("2", "10")]))
    assert agreed.settled == [
        "Inès MARTIN-ROUSSEAU (5A) – Paul MARTIN-ROUSSEAU : SIECLE ne déclare plus ce lien, "
        "détaché dans le portail le 01/12/2026"
    ]
    assert RosterCorrection.objects.get().status == RosterCorrection.Status.SETTLED


def test_a_dropped_detachment_lets_the_import_attach_the_child_again(
    college: Establishment, family: None, staff: User
) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    _detach(staff, paul, ines)
    roster_correction_drop(staff=staff, correction=RosterCorrection.objects.get())

    report = _import(college, _students(), _guardians())

    link_row = Guardianship.objects.get(guardian=paul, student=ines)
    assert (link_row.responsibility_level, link_row.relationship) == (1, "pere")
    assert [str(row) for row in report.links.created_rows] == [
        "Inès MARTIN-ROUSSEAU (5A) – Paul MARTIN-ROUSSEAU : représentant légal, père"
    ]


def test_it_records_a_detachment_made_before_corrections_existed(
    college: Establishment, family: None
) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    report_row = AttachmentReport.objects.create(
        guardian=paul,
        student=ines,
        establishment=college,
        status=AttachmentReport.Status.DETACHED,
    )
    Guardianship.objects.filter(guardian=paul, student=ines).delete()

    report = _import(college, _students(), _guardians())

    assert not Guardianship.objects.filter(guardian=paul, student=ines).exists()
    assert len(report.conflicts) == 1
    correction = RosterCorrection.objects.get()
    assert (correction.report, correction.field, correction.is_active) == (report_row, "link", True)


def _sign_up_refusing(guardian: Guardian, child: Student) -> User:
    """The sign-up's last step with "non" for ``child``, as the flow calls it."""
    return parent_account_register(
        guardian_ids=[guardian.pk],
        confirmed_ids=[],
        declined_ids=[child.pk],
        password="Cartable-Bleu-2026",
        facts=FACTS,
    )


def test_it_keeps_a_child_refused_at_sign_up_detached(college: Establishment, family: None) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)):
        _sign_up_refusing(paul, ines)

    dry = _import(college, _students(), _guardians(), apply=False)
    report = _import(college, _students(), _guardians())

    assert not Guardianship.objects.filter(guardian=paul, student=ines).exists()
    expected = [
        "SIECLE rattache encore Inès MARTIN-ROUSSEAU (5A) à Paul MARTIN-ROUSSEAU ; refusé par ce "
        "responsable à son inscription le 01/12/2026 (signalement à traiter) : laissé détaché"
    ]
    assert dry.conflicts == expected and report.conflicts == expected
    assert report.links.created == 0
    assert not RosterCorrection.objects.exists()  # the open report itself is the refusal


def test_a_child_refused_at_sign_up_comes_back_once_the_school_dismisses_the_report(
    college: Establishment, family: None
) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    _sign_up_refusing(paul, ines)
    AttachmentReport.objects.update(status=AttachmentReport.Status.DISMISSED)

    report = _import(college, _students(), _guardians())

    assert Guardianship.objects.filter(guardian=paul, student=ines).exists()
    assert report.conflicts == []


def test_a_report_from_mon_compte_refuses_nothing_while_the_school_decides(
    college: Establishment, family: None
) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    AttachmentReport.objects.create(guardian=paul, student=ines, establishment=college)

    with count_writes() as writes:
        report = _import(college, _students(), _guardians())

    assert Guardianship.objects.filter(guardian=paul, student=ines).exists()
    assert report.conflicts == [] and writes.statements == []


def test_a_dry_run_with_corrections_writes_nothing(
    college: Establishment, corrected: RosterCorrection
) -> None:
    with count_writes() as writes:
        report = _import(college, _students(), _guardians(mobile=NEW_MOBILE), apply=False)

    assert report.settled and not report.applied
    assert writes.statements == []
    corrected.refresh_from_db()
    assert corrected.is_active


def test_an_unchanged_reimport_with_a_kept_correction_writes_nothing(
    college: Establishment, corrected: RosterCorrection
) -> None:
    _import(college, _students(), _guardians())

    with count_writes() as writes:
        report = _import(college, _students(), _guardians())

    assert writes.statements == []
    assert report.rows_written == 0
    assert len(report.conflicts) == 1  # named again each time, until SIECLE is fixed


def test_it_reads_corrections_and_refusals_in_the_same_few_queries(
    college: Establishment,
    corrected: RosterCorrection,
    staff: User,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    paul, ines = Guardian.objects.get(external_id="11"), Student.objects.get(external_id="1")
    _sign_up_refusing(paul, ines)
    _detach(staff, lea(), Student.objects.get(external_id="2"))
    _import(college, _students(), _guardians())

    with django_assert_max_num_queries(9):
        report = _import(college, _students(), _guardians())

    assert len(report.conflicts) == 3


def test_it_names_the_conflict_in_english_for_an_english_reader(
    college: Establishment, corrected: RosterCorrection
) -> None:
    with translation.override("en"):
        text = _import(college, _students(), _guardians(), apply=False).as_text()

    assert (
        "SIECLE still has 06 11 22 33 44 for Léa MARTIN-ROUSSEAU; corrected in the portal on "
        "01/12/2026 (06 99 88 77 66): kept"
    ) in text
    assert "Portal corrections kept: to copy into SIECLE (1):" in text
