"""The secretariat corrects the roster in the console, then imports SIECLE again from the import
page: its corrections hold until SIECLE agrees or until it takes SIECLE's value back, and the
dry run names every change and every conflict, with what to fix in SIECLE.

The SIECLE files are written by the test: the demo roster of Collège Jean Moulin, as the
school's information system still has it."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.demo import seed_demo
from accounts.models import (
    AttachmentReport,
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    Student,
    User,
)
from accounts.services import parent_account_register
from core.http import RequestFacts
from myaccount.services import attachment_report_create
from roster.models import RosterCorrection
from tests.recovery.conftest import text
from tests.roster.imports.builders import demo_college_guardians_xml, student, students_xml

pytestmark = pytest.mark.django_db

UAI = "0750654D"
FACTS = RequestFacts(ip_address="192.0.2.1", user_agent="test")
LEFEVRE_OLD, LEFEVRE_NEW = "06 11 22 33 44", "07 81 23 45 67"


def students_file() -> SimpleUploadedFile:
    rows = [
        student("E001", "Dupont", "Léa", born="14/03/2012", ine="070123456AB", **{"class": "5A"}),
        student("E003", "Benali", "Yanis", born="23/11/2011", ine="070123458AD", **{"class": "4B"}),
        student(
            "E004", "Lefèvre", "Chloé", born="05/06/2010", ine="070123459AE", **{"class": "3C"}
        ),
        student("E005", "Martin", "Inès", born="30/01/2013", **{"class": "6A"}),
        student("E006", "Martin", "Lucas", born="17/04/2011", **{"class": "4B"}),
        student("E010", "Roche", "Manon", born="04/10/2012", **{"class": "5B"}),
    ]
    return SimpleUploadedFile("ElevesSansAdresses.xml", students_xml(rows, uai=UAI))


def guardians_file(*, lefevre_mobile: str = LEFEVRE_OLD) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "ResponsablesSansAdresses.xml", demo_college_guardians_xml(R005=lefevre_mobile)
    )


@pytest.fixture
def secretary(client: Client, settings, tmp_path: Path) -> Client:
    settings.VAR_DIR = tmp_path
    seed_demo()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    return client


def import_url() -> str:
    return reverse(
        "admin:accounts_establishment_import", args=[Establishment.objects.get(uai=UAI).pk]
    )


def dry_run(secretary: Client, **guardians: str) -> str:
    response = secretary.post(
        import_url(), {"files": [students_file(), guardians_file(**guardians)]}
    )
    assert response.status_code == HTTPStatus.OK
    return text(response)


def apply(secretary: Client) -> str:
    response = secretary.post(import_url(), {"apply": "1"})
    assert response.status_code == HTTPStatus.OK
    page = text(response)
    assert "Import appliqué" in page
    return page


def lefevre() -> Guardian:
    return Guardian.objects.get(external_id="R005")


def correct_mobile(secretary: Client, mobile: str) -> None:
    guardian = lefevre()
    response = secretary.post(
        reverse("admin:accounts_guardian_change", args=[guardian.pk]),
        {
            "mobile": mobile,
            "email": guardian.email,
            "accepts_sms": "on",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.FOUND


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def conflict_for_lefevre() -> str:
    return (
        f"SIECLE a encore {LEFEVRE_OLD} pour Marie-Hélène Lefèvre ; corrigé dans le portail le "
        f"{today()} ({LEFEVRE_NEW}) : conservé"
    )


def test_the_demo_roster_imported_again_changes_nothing(secretary: Client) -> None:
    page = dry_run(secretary)

    assert "Aucun changement : l'annuaire du portail est déjà à jour." in page
    assert "Aucune ligne rejetée." in page


def test_a_mobile_corrected_in_the_console_survives_the_import_as_a_named_conflict(
    secretary: Client,
) -> None:
    correct_mobile(secretary, LEFEVRE_NEW)

    page = dry_run(secretary)
    assert conflict_for_lefevre() in page
    assert "Corrections du portail conservées : à reporter dans SIECLE (1)" in page
    assert "Corrigez la fiche dans SIECLE" in page
    assert lefevre().mobile == "+33781234567"

    applied = apply(secretary)

    assert conflict_for_lefevre() in applied
    assert lefevre().mobile == "+33781234567"
    assert RosterCorrection.objects.get().is_active
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ROSTER_IMPORTED)
    assert (event.details["corrections_kept"], event.details["rows_written"]) == (1, 0)


def test_the_correction_is_settled_once_siecle_has_the_new_number(secretary: Client) -> None:
    correct_mobile(secretary, LEFEVRE_NEW)

    page = dry_run(secretary, lefevre_mobile=LEFEVRE_NEW)
    assert "Corrections du portail reprises par SIECLE (1)" in page
    assert (
        f"Marie-Hélène Lefèvre : SIECLE a maintenant {LEFEVRE_NEW}, comme corrigé dans le "
        f"portail le {today()}"
    ) in page
    apply(secretary)

    assert RosterCorrection.objects.get().status == RosterCorrection.Status.SETTLED
    assert lefevre().mobile == "+33781234567"


def test_the_secretariat_drops_a_correction_and_siecles_number_comes_back(
    secretary: Client,
) -> None:
    correct_mobile(secretary, LEFEVRE_NEW)
    correction = RosterCorrection.objects.get()

    listed = secretary.get(reverse("admin:roster_rostercorrection_changelist"))
    assert LEFEVRE_NEW in text(listed) and LEFEVRE_OLD in text(listed)
    response = secretary.post(
        reverse("admin:roster_rostercorrection_changelist"),
        {"action": "drop", "_selected_action": [correction.pk], "index": "0"},
    )

    assert response.status_code == HTTPStatus.FOUND
    assert lefevre().mobile == "+33611223344"  # at once, not at the next import
    correction.refresh_from_db()
    assert correction.status == RosterCorrection.Status.DROPPED
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.ROSTER_CORRECTION_DROPPED).exists()
    page = dry_run(secretary)
    assert "Aucun changement : l'annuaire du portail est déjà à jour." in page


def test_the_guardian_page_shows_what_the_import_keeps(secretary: Client) -> None:
    correct_mobile(secretary, LEFEVRE_NEW)

    page = text(secretary.get(reverse("admin:accounts_guardian_change", args=[lefevre().pk])))

    assert "corrections conservées à l'import" in page.lower()
    assert f"mobile : {LEFEVRE_NEW} (SIECLE : {LEFEVRE_OLD}), corrigé le {today()}" in page


def test_a_child_detached_on_a_report_stays_detached_after_the_import(secretary: Client) -> None:
    karim = Guardian.objects.get(external_id="R007")
    lucas = Student.objects.get(external_id="E006")
    report = attachment_report_create(
        user=karim.account, student_id=lucas.pk, comment="Ce n'est pas mon fils", facts=FACTS
    )
    response = secretary.post(
        reverse("admin:accounts_attachmentreport_change", args=[report.pk]),
        {"decision": "detach", "resolution_comment": "Erreur de saisie"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not Guardianship.objects.filter(guardian=karim, student=lucas).exists()

    page = dry_run(secretary)
    assert (
        f"SIECLE rattache encore Lucas Martin (4B) à Karim Martin ; détaché dans le portail le "
        f"{today()} : laissé détaché"
    ) in page
    apply(secretary)

    assert not Guardianship.objects.filter(guardian=karim, student=lucas).exists()
    assert Guardianship.objects.filter(guardian=karim, student__external_id="E005").exists()


def test_a_child_refused_at_sign_up_stays_detached_after_the_import(secretary: Client) -> None:
    sophie = Guardian.objects.get(external_id="R003")
    lea = Student.objects.get(external_id="E001")
    parent_account_register(
        guardian_ids=[sophie.pk],
        confirmed_ids=[],
        declined_ids=[lea.pk],
        password="Cartable-Bleu-2026",
        facts=FACTS,
    )
    assert AttachmentReport.objects.filter(guardian=sophie, status="open").exists()

    page = dry_run(secretary)
    assert (
        f"SIECLE rattache encore Léa Dupont (5A) à Sophie Dupont ; refusé par ce responsable à "
        f"son inscription le {today()} (signalement à traiter) : laissé détaché"
    ) in page
    apply(secretary)

    assert not Guardianship.objects.filter(guardian=sophie, student=lea).exists()


def test_the_dry_run_page_names_each_change_in_labelled_folding_lists(
    secretary: Client,
) -> None:
    response = secretary.post(
        import_url(), {"files": [students_file(), guardians_file(lefevre_mobile="06 55 44 33 22")]}
    )

    page = text(response)
    assert "Responsables modifiés (1)" in page
    assert "Marie-Hélène Lefèvre : mobile 06 11 22 33 44 → 06 55 44 33 22" in page
    html = response.content.decode()
    assert '<details class="portal-import-section" id="import-guardians-updated">' in html
    assert 'role="region" tabindex="0" aria-label="Responsables modifiés"' in html
    assert lefevre().mobile == "+33611223344"  # a dry run


def test_another_schools_secretary_sees_none_of_these_corrections(secretary: Client) -> None:
    correct_mobile(secretary, LEFEVRE_NEW)
    other = Client()
    other.force_login(User.objects.get(identifier="marc.petit1"))

    page = text(other.get(reverse("admin:roster_rostercorrection_changelist")))

    assert "Lefèvre" not in page


def test_an_sms_consent_withdrawn_in_the_console_survives_the_import(secretary: Client) -> None:
    guardian = lefevre()
    response = secretary.post(
        reverse("admin:accounts_guardian_change", args=[guardian.pk]),
        {
            "mobile": "06 11 22 33 44",
            "email": guardian.email,
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.CONTACT_CHANGED)
    assert event.details["sms_consent_changed"] is True

    page = dry_run(secretary)
    assert (
        "SIECLE a encore « SMS acceptés » pour Marie-Hélène Lefèvre ; corrigé dans le portail le "
        f"{today()} (« SMS refusés ») : conservé"
    ) in page
    apply(secretary)

    assert lefevre().accepts_sms is False
