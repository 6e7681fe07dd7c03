"""``manage.py import_roster``: the secretariat's report on the terminal."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent, Establishment, Student
from tests.roster.imports.builders import GUARDIANS_ZIP, SAMPLES, STUDENTS_FILE

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("import_roster", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_dry_run_report_and_writes_nothing(college: Establishment) -> None:
    output = _run(
        "--uai", "0750654d", "--dry-run", str(SAMPLES / STUDENTS_FILE), str(SAMPLES / GUARDIANS_ZIP)
    )

    assert "Collège Jean Moulin (0750654D) – simulation : rien n'a été enregistré" in output
    assert "Élèves : 5 créés, 0 modifiés, 0 inchangés, 0 sortis" in output
    assert "Responsables : 6 créés, 0 modifiés, 0 inchangés, 0 plus listés" in output
    assert "Liens élève-responsable : 7 créés, 0 modifiés, 0 inchangés, 0 supprimés" in output
    assert "Lignes rejetées (4) :" in output
    assert (
        "ElevesSansAdresses.xml, élève 100005 (GIRARD Éloïse) : date de naissance invalide "
        "« 31/02/2012 »" in output
    )
    assert "numéro de mobile impossible « 00 00 00 00 00 »" in output
    assert not Student.objects.exists()
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.ROSTER_IMPORTED).exists()


def test_an_applied_import_is_written_in_the_school_journal(college: Establishment) -> None:
    _run("--uai", "0750654D", str(SAMPLES / STUDENTS_FILE))

    event = AuditEvent.objects.get(event_type=AuditEvent.Type.ROSTER_IMPORTED)
    assert event.establishment == college
    assert event.actor is None  # the command: no staff member behind it
    assert event.details["rows_written"] == 5


def test_it_applies_and_then_finds_nothing_to_change(college: Establishment) -> None:
    files = (str(SAMPLES / STUDENTS_FILE), str(SAMPLES / GUARDIANS_ZIP))
    first = _run("--uai", "0750654D", *files)
    second = _run("--uai", "0750654D", *files)

    assert "– appliqué" in first
    assert Student.objects.count() == 5
    assert "Élèves : 0 créés, 0 modifiés, 5 inchangés, 0 sortis" in second


def test_it_stops_with_a_french_error_on_a_foreign_file(college: Establishment) -> None:
    with pytest.raises(CommandError, match="Import refusé, rien n'a été enregistré.*0910000F"):
        _run("--uai", "0750654D", str(SAMPLES / "bad" / "uai_etranger.xml"))


def test_it_stops_on_an_unknown_school(db: None) -> None:
    with pytest.raises(CommandError, match="Établissement 0750654D inconnu"):
        _run("--uai", "0750654D", str(SAMPLES / STUDENTS_FILE))


def test_it_stops_on_a_missing_file(college: Establishment) -> None:
    with pytest.raises(CommandError, match="lecture impossible"):
        _run("--uai", "0750654D", str(SAMPLES / "absent.xml"))
