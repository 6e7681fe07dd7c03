"""Files the import refuses as a whole: another school's, corrupt, unsafe. Nothing is written."""

from __future__ import annotations

import io
import zipfile

import pytest
from pytest_django import Settings

from accounts.models import Establishment
from roster.imports import RosterFileError
from tests.roster.imports.builders import (
    GUARDIANS_ZIP,
    STUDENTS_FILE,
    import_samples,
    roster_snapshot,
    run_import,
    sample,
    student,
    students_xml,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(college: Establishment) -> tuple:
    """A school with a roster already, so a refused file could have damaged something."""
    import_samples(college, STUDENTS_FILE, GUARDIANS_ZIP)
    return roster_snapshot()


def _refused(college: Establishment, *files: tuple[str, bytes]) -> str:
    with pytest.raises(RosterFileError) as caught:
        run_import(college, *files)
    return str(caught.value)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("uai_etranger.xml", "l'export de l'établissement 0910000F, pas de 0750654D"),
        ("tronque.xml", "fichier XML corrompu ou tronqué (ligne 64"),
        ("racine_inconnue.xml", "élément racine « BEE_NOMENCLATURES »"),
        ("billion_laughs.xml", "DTD ou des entités XML, refusées par sécurité"),
        ("entite_externe.xml", "DTD ou des entités XML, refusées par sécurité"),
        ("pas_un_zip.zip", "n'est pas une archive ZIP valide"),
        ("zip_tronque.zip", "archive ZIP illisible ou tronquée"),
        ("binaire.bin", "format de fichier non reconnu"),
    ],
)
def test_it_refuses_a_bad_file_and_writes_nothing(
    college: Establishment, imported: tuple, name: str, message: str
) -> None:
    error = _refused(college, sample(STUDENTS_FILE), sample(f"bad/{name}"))

    assert message in error
    assert roster_snapshot() == imported


def test_it_refuses_everything_when_one_file_of_two_is_foreign(college: Establishment) -> None:
    _refused(college, sample(GUARDIANS_ZIP), sample("bad/uai_etranger.xml"))

    assert roster_snapshot() == ([], [], [])


def test_it_refuses_a_zip_that_inflates_past_the_limit(
    college: Establishment, imported: tuple, settings: Settings
) -> None:
    settings.ROSTER_IMPORT_MAX_BYTES = 1024 * 1024
    padding = "<!-- " + " " * (4 * 1024 * 1024) + " -->"
    body = students_xml([student("1")]).replace(b"<DONNEES>", padding.encode() + b"<DONNEES>")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ElevesSansAdresses.xml", body)
    assert len(archive.getvalue()) < 20 * 1024

    error = _refused(college, ("ElevesSansAdresses.zip", archive.getvalue()))

    assert "trop volumineux une fois décompressé (1 Mo au plus)" in error
    assert roster_snapshot() == imported


def test_it_refuses_a_zip_whose_member_claims_to_be_huge(
    college: Establishment, settings: Settings
) -> None:
    settings.ROSTER_IMPORT_MAX_BYTES = 1000
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ElevesSansAdresses.xml", b" " * 5000)

    assert "trop volumineux" in _refused(college, ("e.zip", archive.getvalue()))


def test_it_refuses_a_zip_needing_a_newer_unzip(college: Establishment) -> None:
    """Found by fuzzing: zipfile raises NotImplementedError for a "version needed" it lacks."""
    data = bytearray(sample(GUARDIANS_ZIP)[1])
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (75).to_bytes(2, "little")

    assert "archive ZIP illisible" in _refused(college, ("r.zip", bytes(data)))


def test_it_refuses_an_empty_zip(college: Establishment) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w"):
        pass

    assert "archive ZIP" in _refused(college, ("e.zip", archive.getvalue()))


def test_it_refuses_two_students_files_in_one_import(college: Establishment) -> None:
    error = _refused(college, sample(STUDENTS_FILE), sample("ElevesSansAdresses_2016.xml"))

    assert "deux fichiers d'élèves" in error
    assert roster_snapshot() == ([], [], [])


def test_it_refuses_a_students_file_without_students(
    college: Establishment, imported: tuple
) -> None:
    """Otherwise every student of the school would be marked as gone."""
    error = _refused(college, ("ElevesSansAdresses.xml", students_xml([])))

    assert "aucun élève" in error
    assert roster_snapshot() == imported


def test_it_refuses_a_file_without_uaj(college: Establishment) -> None:
    body = students_xml([student("1")]).replace(b"<UAJ>0750654D</UAJ>", b"")

    assert "PARAMETRES/UAJ" in _refused(college, ("e.xml", body))


def test_it_refuses_an_empty_file(college: Establishment) -> None:
    assert "fichier vide" in _refused(college, ("e.xml", b"  \n"))


def test_it_refuses_a_file_that_lies_about_its_encoding(college: Establishment) -> None:
    body = students_xml([student("1", last="Lefèvre")], encoding="ISO-8859-15").replace(
        b"ISO-8859-15", b"UTF-8"
    )

    assert "corrompu" in _refused(college, ("e.xml", body))


def test_it_refuses_a_file_with_an_unknown_encoding(college: Establishment) -> None:
    body = students_xml([student("1")]).replace(b"UTF-8", b"X-KLINGON")

    assert "corrompu" in _refused(college, ("e.xml", body))
