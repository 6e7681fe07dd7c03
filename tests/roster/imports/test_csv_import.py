"""Schools without SIECLE import the documented CSV format (docs/IMPORT.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import Establishment, Guardian, Guardianship, Student
from roster.imports import RosterFileError
from roster.imports.csv_format import parse_csv
from roster.imports.fields import parse_date
from tests.roster.imports.builders import import_samples, run_import

pytestmark = pytest.mark.django_db

STUDENTS_HEADER = "id_eleve;ine;nom;prenom;date_naissance;classe;date_sortie\n"


def test_it_imports_the_sample_csv_files(college: Establishment) -> None:
    report = import_samples(college, "eleves.csv", "responsables.csv")

    assert (report.students.created, report.guardians.created, report.links.created) == (3, 4, 3)
    emile = Student.objects.get(external_id="E100")
    assert (emile.first_name, emile.birth_date, emile.class_name) == (
        "Émile",
        dt.date(2012, 4, 2),
        "5B",
    )
    assert Student.objects.get(external_id="E101").birth_date == dt.date(2011, 9, 17)
    assert Student.objects.get(external_id="E103").left_on == dt.date(2025, 6, 30)
    jean = Guardian.objects.get(external_id="P2")
    assert (jean.first_name, jean.mobile, jean.accepts_sms) == ("Jean, Marc", "+33781223344", False)
    assert set(
        Guardianship.objects.values_list(
            "student__external_id", "guardian__external_id", "relationship"
        )
    ) == {("E100", "P1", "mere"), ("E101", "P1", "mere"), ("E101", "P2", "pere")}
    assert [str(issue) for issue in report.rejections] == [
        "eleves.csv, ligne 4 : date de naissance invalide « 31/13/2012 »",
        "responsables.csv, lien élève E102 – responsable P3 : élève inconnu (identifiant E102) : "
        "lien ignoré",
        "responsables.csv, lien élève E999 – responsable P4 : élève inconnu (identifiant E999) : "
        "lien ignoré",
    ]


def test_it_changes_nothing_when_the_same_csv_comes_again(college: Establishment) -> None:
    import_samples(college, "eleves.csv", "responsables.csv")

    report = import_samples(college, "eleves.csv", "responsables.csv")

    assert report.rows_written == 0


def test_it_accepts_commas_a_bom_and_column_names_with_accents(college: Establishment) -> None:
    body = "\ufeffID_Élève,Nom,Prénom,Date de naissance\r\nA1,Roux,Théo,01/02/2012\r\n"

    report = run_import(college, ("eleves.csv", body.encode()))

    assert report.students.created == 1
    assert Student.objects.get().class_name == ""


def test_it_refuses_a_csv_that_is_not_utf8(college: Establishment) -> None:
    body = (STUDENTS_HEADER + "A1;;Lefèvre;Chloé;05/06/2010;3C;\n").encode("cp1252")

    with pytest.raises(RosterFileError, match="pas encodé en UTF-8"):
        run_import(college, ("eleves.csv", body))


def test_it_refuses_a_csv_without_its_required_columns(college: Establishment) -> None:
    with pytest.raises(RosterFileError, match="colonnes obligatoires absentes : date_naissance"):
        run_import(college, ("eleves.csv", b"id_eleve;nom;prenom\nA1;Roux;Theo\n"))


def test_it_refuses_a_csv_with_an_unknown_header(college: Establishment) -> None:
    with pytest.raises(RosterFileError, match="en-tête CSV non reconnu"):
        run_import(college, ("eleves.csv", b"a;b;c\n1;2;3\n"))


def test_it_refuses_a_csv_with_a_header_only(college: Establishment) -> None:
    with pytest.raises(RosterFileError, match="aucune ligne de données"):
        run_import(college, ("eleves.csv", STUDENTS_HEADER.encode()))


@given(value=st.text(max_size=30))
def test_it_never_crashes_on_any_date_text(value: str) -> None:
    try:
        parsed = parse_date(value)
    except ValueError:
        return
    assert parsed.year >= 1900


_cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=25)


@settings(max_examples=150)
@given(
    rows=st.lists(st.tuples(_cell, _cell, _cell, _cell), min_size=1, max_size=5),
    separator=st.sampled_from([";", ","]),
)
def test_it_reads_any_dates_and_phones_as_rows_or_reasons(
    rows: list[tuple[str, str, str, str]], separator: str
) -> None:
    """Whatever a spreadsheet holds, each line is imported, or rejected with a reason."""
    students, guardians = io.StringIO(), io.StringIO()
    student_writer = csv.writer(students, delimiter=separator)
    guardian_writer = csv.writer(guardians, delimiter=separator)
    student_writer.writerow(["id_eleve", "nom", "prenom", "date_naissance", "date_sortie"])
    guardian_writer.writerow(
        ["id_responsable", "nom", "prenom", "mobile", "accepte_sms", "id_eleve"]
        + ["niveau_responsabilite", "lien_parente"]
    )
    for index, (born, left, mobile, level) in enumerate(rows):
        student_writer.writerow([f"E{index}", "Nom", "Prénom", born, left])
        guardian_writer.writerow(
            [f"P{index}", "Nom", "Prénom", mobile, left, f"E{index}", level, born]
        )

    parsed = parse_csv("eleves.csv", io.BytesIO(students.getvalue().encode()))
    assert len(parsed.students) + len(parsed.rejections) == len(rows)

    parsed = parse_csv("responsables.csv", io.BytesIO(guardians.getvalue().encode()))
    assert len(parsed.guardians) == len(rows)
    assert len(parsed.links) + len(parsed.rejections) == len(rows)
    assert all(g.mobile == "" or g.mobile.startswith("+") for g in parsed.guardians)
