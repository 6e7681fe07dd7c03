"""Roster import test helpers: the sample files, small BEE builders, and a write counter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Establishment, Guardian, Guardianship, Student
from roster.imports import ImportReport, roster_import

SAMPLES = Path(__file__).parent / "samples"
STUDENTS_FILE = "ElevesSansAdresses.xml"
GUARDIANS_ZIP = "ResponsablesAvecAdresses.zip"
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def sample(name: str) -> tuple[str, bytes]:
    path = SAMPLES / name
    return path.name, path.read_bytes()


def run_import(
    establishment: Establishment, *files: tuple[str, bytes], apply: bool = True
) -> ImportReport:
    return roster_import(establishment=establishment, files=list(files), apply=apply)


def import_samples(establishment: Establishment, *names: str, apply: bool = True) -> ImportReport:
    return run_import(establishment, *(sample(name) for name in names), apply=apply)


def roster_snapshot() -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Everything an import may write, to prove that nothing was."""
    return (
        list(Student.objects.order_by("pk").values_list()),
        list(Guardian.objects.order_by("pk").values_list()),
        list(Guardianship.objects.order_by("pk").values_list()),
    )


@dataclass
class Writes:
    statements: list[str] = field(default_factory=list)


@contextmanager
def count_writes() -> Iterator[Writes]:
    """Collect the INSERT, UPDATE and DELETE statements run on the roster inside the block (the
    journal entry every applied import writes is not a roster write)."""
    writes = Writes()
    with CaptureQueriesContext(connection) as captured:
        yield writes
    writes.statements = [
        q["sql"]
        for q in captured.captured_queries
        if _WRITE.match(q["sql"]) and '"accounts_auditevent"' not in q["sql"]
    ]


def _element(tag: str, value: str | None) -> str:
    return "" if value is None else f"<{tag}>{escape(value)}</{tag}>"


def students_xml(
    students: list[dict[str, str | None]],
    *,
    uai: str = "0750654D",
    encoding: str = "UTF-8",
    structures: dict[str, list[tuple[str, str]]] | None = None,
    old_format: bool = False,
) -> bytes:
    """A BEE_ELEVES export. Each student: id, ine, last, first, born, left (None = absent)."""
    rows = []
    for s in students:
        ident = f' ELEVE_ID="{escape(s["id"])}"' if s.get("id") is not None else ""
        rows.append(
            f"<ELEVE{ident}>"
            + _element("ID_NATIONAL", s.get("ine"))
            + _element("NOM" if old_format else "NOM_DE_FAMILLE", s.get("last"))
            + _element("PRENOM", s.get("first"))
            + _element("DATE_NAISS", s.get("born"))
            + _element("DATE_SORTIE", s.get("left"))
            + "</ELEVE>"
        )
    if structures is None:
        structures = {
            str(s["id"]): [(str(s.get("class") or "5A"), "D")] for s in students if s.get("id")
        }
    blocks = "".join(
        f'<STRUCTURES_ELEVE ELEVE_ID="{escape(ident)}">'
        + "".join(
            f"<STRUCTURE><CODE_STRUCTURE>{escape(code)}</CODE_STRUCTURE>"
            f"<TYPE_STRUCTURE>{kind}</TYPE_STRUCTURE></STRUCTURE>"
            for code, kind in items
        )
        + "</STRUCTURES_ELEVE>"
        for ident, items in structures.items()
    )
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<BEE_ELEVES VERSION="3.1">'
        f"<PARAMETRES><UAJ>{uai}</UAJ></PARAMETRES><DONNEES><ELEVES>{''.join(rows)}</ELEVES>"
        f"<STRUCTURES>{blocks}</STRUCTURES></DONNEES></BEE_ELEVES>\n"
    )
    return text.encode(encoding)


def guardians_xml(
    persons: list[dict[str, str | None]],
    links: list[dict[str, str | None]],
    *,
    uai: str = "0750654D",
    encoding: str = "UTF-8",
) -> bytes:
    """A BEE_RESPONSABLES export. Person: id, last, first, mobile, mail, sms. Link: student,
    person, level, legacy (RESP_LEGAL), code."""
    people = "".join(
        f'<PERSONNE PERSONNE_ID="{escape(p["id"] or "")}">'
        + _element("NOM_DE_FAMILLE", p.get("last"))
        + _element("PRENOM", p.get("first"))
        + _element("TEL_PORTABLE", p.get("mobile"))
        + _element("MEL", p.get("mail"))
        + _element("ACCEPTE_SMS", p.get("sms"))
        + "</PERSONNE>"
        for p in persons
    )
    responsibles = "".join(
        "<RESPONSABLE_ELEVE>"
        + _element("ELEVE_ID", link.get("student"))
        + _element("PERSONNE_ID", link.get("person"))
        + _element("NIVEAU_RESPONSABILITE", link.get("level"))
        + _element("RESP_LEGAL", link.get("legacy"))
        + _element("CODE_PARENTE", link.get("code"))
        + "</RESPONSABLE_ELEVE>"
        for link in links
    )
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<BEE_RESPONSABLES VERSION="1.7">'
        f"<PARAMETRES><UAJ>{uai}</UAJ></PARAMETRES><DONNEES><PERSONNES>{people}</PERSONNES>"
        f"<RESPONSABLES>{responsibles}</RESPONSABLES></DONNEES></BEE_RESPONSABLES>\n"
    )
    return text.encode(encoding)


def student(
    ident: str | None, last: str | None = "Durand", first: str | None = "Émile", **extra: str | None
) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "id": ident,
        "ine": None,
        "last": last,
        "first": first,
        "born": "02/04/2012",
    }
    values.update(extra)
    return values


def person(
    ident: str, last: str | None = "Durand", first: str | None = "Claire", **extra: str | None
) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "id": ident,
        "last": last,
        "first": first,
        "mobile": "06 01 02 03 04",
        "sms": "1",
    }
    values.update(extra)
    return values


def link(
    student_id: str | None,
    person_id: str,
    level: str | None = "1",
    code: str = "10",
    **extra: str | None,
) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "student": student_id,
        "person": person_id,
        "level": level,
        "code": code,
    }
    values.update(extra)
    return values


# The demo collège's guardians (accounts/demo.py) as its SIECLE export has them.
DEMO_COLLEGE_GUARDIANS = (
    ("R001", "Dupont", "Patrick", "06 12 34 56 78", ""),
    ("R003", "Dupont", "Sophie", "06 98 76 54 32", ""),
    ("R004", "Benali", "Nadia", "0692 12 34 56", ""),
    ("R005", "Lefèvre", "Marie-Hélène", "06 11 22 33 44", "mh.lefevre@exemple.fr"),
    ("R006", "Lefèvre", "Bernard", "06 22 33 44 55", ""),
    ("R007", "Martin", "Karim", "06 33 44 55 66", ""),
    ("R012", "Roche", "Julien", "06 77 88 99 00", ""),
)
DEMO_COLLEGE_LINKS = (
    ("E001", "R001", "1", "20"),
    ("E001", "R003", "1", "10"),
    ("E003", "R004", "1", "10"),
    ("E004", "R005", "1", "10"),
    ("E004", "R006", "2", "38"),
    ("E005", "R007", "1", "20"),
    ("E006", "R007", "1", "20"),
    ("E010", "R012", "1", "20"),
)


def demo_college_guardians_xml(**mobiles: str) -> bytes:
    """The demo collège's guardians file, with the mobiles given by guardian id changed."""
    persons = [
        person(
            ident,
            last,
            first,
            mobile=mobiles.get(ident, mobile),
            **({"mail": mail} if mail else {}),
        )
        for ident, last, first, mobile, mail in DEMO_COLLEGE_GUARDIANS
    ]
    links = [
        link(student_id, guardian_id, level=level, code=code)
        for student_id, guardian_id, level, code in DEMO_COLLEGE_LINKS
    ]
    return guardians_xml(persons, links, uai="0750654D")
