"""The dry run names every row it would change: who, which field, old → new; every link created
or removed; students arriving and leaving. The applied report says the same."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import Establishment, Guardian
from roster.imports import ImportReport, roster_import
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


def _files(*, second_year: bool) -> list[tuple[str, bytes]]:
    students = [
        student("1", last="MARTIN-ROUSSEAU", first="Inès", **{"class": "5A"}),
        student("2", last="N'DIAYE", first="Élodie", **{"class": "4B"}),
    ]
    persons = [
        person("10", last="MARTIN-ROUSSEAU", first="Léa", mobile="06 11 22 33 44"),
        person("11", last="N'DIAYE", first="Aminata", mobile="07 81 22 33 44"),
    ]
    links = [link("1", "10"), link("2", "11"), link("1", "11", level="3", code="90")]
    if second_year:
        students = [
            student("1", last="MARTIN-ROUSSEAU", first="Inès", **{"class": "4A"}),
            student("3", last="O'BRIEN", first="Éloi", **{"class": "6C"}),
        ]
        persons[0]["mobile"] = "06 99 88 77 66"
        persons[1]["sms"] = "0"
        persons.append(person("12", last="O'BRIEN", first="Ana"))
        links = [link("1", "10"), link("3", "12", code="10"), link("1", "11", level="1")]
    return [
        ("ElevesSansAdresses.xml", students_xml(students)),
        ("ResponsablesSansAdresses.xml", guardians_xml(persons, links)),
    ]


def _import(college: Establishment, *, second_year: bool, apply: bool) -> ImportReport:
    return roster_import(
        establishment=college, files=_files(second_year=second_year), apply=apply, today=TODAY
    )


@pytest.fixture
def first_year(college: Establishment) -> None:
    _import(college, second_year=False, apply=True)


def test_the_dry_run_names_each_change_old_and_new(
    college: Establishment, first_year: None
) -> None:
    report = _import(college, second_year=True, apply=False)

    named = {section.key: section.lines for section in report.sections()}
    assert named["students-created"] == ["Éloi O'BRIEN (6C)"]
    assert named["students-updated"] == ["Inès MARTIN-ROUSSEAU (4A) : classe 5A → 4A"]
    assert named["students-left"] == [
        "Élodie N'DIAYE (4B) : plus dans le fichier des élèves, sortie enregistrée au 05/01/2026"
    ]
    assert named["guardians-created"] == ["Ana O'BRIEN"]
    assert named["guardians-updated"] == [
        "Léa MARTIN-ROUSSEAU : mobile 06 11 22 33 44 → 06 99 88 77 66",
        "Aminata N'DIAYE : SMS acceptés → refusés",
    ]
    assert named["links-created"] == ["Éloi O'BRIEN (6C) – Ana O'BRIEN : représentant légal, mère"]
    assert named["links-updated"] == [
        "Inès MARTIN-ROUSSEAU (4A) – Aminata N'DIAYE : niveau contact → représentant légal ; "
        "lien de parenté autre → mère"
    ]
    # Élodie left: her links are kept, so none is removed.
    assert "links-left" not in named


def test_it_names_the_links_removed_and_the_guardians_no_longer_listed(
    college: Establishment, first_year: None
) -> None:
    files = _files(second_year=False)
    persons = [person("10", last="MARTIN-ROUSSEAU", first="Léa", mobile="06 11 22 33 44")]
    files[1] = ("ResponsablesSansAdresses.xml", guardians_xml(persons, [link("1", "10")]))

    report = roster_import(establishment=college, files=files, apply=False, today=TODAY)

    named = {section.key: section.lines for section in report.sections()}
    assert sorted(named["links-left"]) == [
        "Inès MARTIN-ROUSSEAU (5A) – Aminata N'DIAYE",
        "Élodie N'DIAYE (4B) – Aminata N'DIAYE",
    ]
    assert named["guardians-left"] == ["Aminata N'DIAYE"]


def test_the_dry_run_writes_nothing_and_the_applied_report_names_the_same_rows(
    college: Establishment, first_year: None
) -> None:
    with count_writes() as writes:
        dry = _import(college, second_year=True, apply=False)
    assert writes.statements == []
    assert Guardian.objects.get(external_id="10").mobile == "+33611223344"

    applied = _import(college, second_year=True, apply=True)

    assert [s.lines for s in applied.sections()] == [s.lines for s in dry.sections()]
    assert Guardian.objects.get(external_id="10").mobile == "+33699887766"


def test_the_command_prints_every_named_change(
    college: Establishment, first_year: None, tmp_path, capsys
) -> None:
    paths = []
    for name, data in _files(second_year=True):
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))

    call_command("import_roster", "--uai", college.uai, "--dry-run", *paths)

    output = capsys.readouterr().out
    assert "Responsables modifiés (2) :" in output
    assert "  - Léa MARTIN-ROUSSEAU : mobile 06 11 22 33 44 → 06 99 88 77 66" in output
    assert "Élèves arrivés (1) :\n  - Éloi O'BRIEN (6C)" in output
    assert "Liens élève – responsable créés (1) :" in output


def test_an_unchanged_reimport_names_nothing(college: Establishment, first_year: None) -> None:
    with count_writes() as writes:
        report = _import(college, second_year=False, apply=True)

    assert writes.statements == []
    assert report.sections() == []
    assert "Aucune ligne rejetée." in report.as_text()
