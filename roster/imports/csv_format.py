"""The CSV format for schools without SIECLE (docs/IMPORT.md has the full description).

Two kinds of file, told apart by their header line:

- students: ``id_eleve;ine;nom;prenom;date_naissance;classe;date_sortie``
- guardians, one line per guardian and child: ``id_responsable;nom;prenom;mobile;email;
  accepte_sms;id_eleve;niveau_responsabilite;lien_parente`` (the person's columns repeat on
  each of their lines; the first line wins)

UTF-8 with or without BOM, ``;`` or ``,`` between columns, column names in any case and with
or without accents; unknown columns are ignored, optional ones may be left out.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from functools import partial
from typing import IO

from django.utils.translation import gettext as _

from roster.imports.fields import clean, guardian_row, link_row, student_row
from roster.imports.records import FileKind, ParsedFile, RosterFileError, Where

STUDENT_COLUMNS = ("id_eleve", "ine", "nom", "prenom", "date_naissance", "classe", "date_sortie")
STUDENT_REQUIRED = ("id_eleve", "nom", "prenom", "date_naissance")
GUARDIAN_COLUMNS = (
    "id_responsable",
    "nom",
    "prenom",
    "mobile",
    "email",
    "accepte_sms",
    "id_eleve",
    "niveau_responsabilite",
    "lien_parente",
)
GUARDIAN_REQUIRED = ("id_responsable", "nom", "prenom", "id_eleve", "niveau_responsabilite")
DESCRIPTIONS = {"students": "élèves CSV", "guardians": "responsables CSV"}
MAX_FIELD = 1000
# Spellings a spreadsheet is likely to use, after case and accents are folded.
ALIASES = {
    "date_de_naissance": "date_naissance",
    "date_de_sortie": "date_sortie",
    "niveau_de_responsabilite": "niveau_responsabilite",
    "lien_de_parente": "lien_parente",
    "e_mail": "email",
    "mel": "email",
    "courriel": "email",
    "telephone_portable": "mobile",
    "portable": "mobile",
}


def _column(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", clean(name).lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    column = folded.replace(" ", "_").replace("-", "_").replace("'", "_")
    return ALIASES.get(column, column)


def _kind(columns: list[str], name: str) -> FileKind:
    if "id_responsable" in columns:
        kind: FileKind = "guardians"
        required: tuple[str, ...] = GUARDIAN_REQUIRED
    elif "id_eleve" in columns:
        kind = "students"
        required = STUDENT_REQUIRED
    else:
        raise RosterFileError(
            _(
                "en-tête CSV non reconnu : la première ligne doit nommer les colonnes "
                "(id_eleve… pour les élèves, id_responsable… pour les responsables)"
            ),
            file_name=name,
        )
    missing = [column for column in required if column not in columns]
    if missing:
        raise RosterFileError(
            _("colonnes obligatoires absentes : %(columns)s") % {"columns": ", ".join(missing)},
            file_name=name,
        )
    return kind


def parse_csv(name: str, stream: IO[bytes]) -> ParsedFile:
    """Read one CSV file; raise RosterFileError if it is not UTF-8 or its header is unknown."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    line_number = 1
    try:
        header_line = text.readline()
        delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
        header = next(csv.reader([header_line.replace("\x00", "")], delimiter=delimiter), [])
        columns = [_column(cell) for cell in header]
        kind = _kind(columns, name)
        parsed = ParsedFile(kind=kind, name=name, description=DESCRIPTIONS[kind], uai=None)
        lines = (line.replace("\x00", "") for line in text)
        reader = csv.reader(lines, delimiter=delimiter)
        known_guardians: set[str] = set()
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            values = {column: cell[:MAX_FIELD] for column, cell in zip(columns, row, strict=False)}
            line_number = reader.line_num + 1
            where = partial(_line_where, line_number)
            if kind == "students":
                _student(values, where, parsed)
            else:
                _guardian(values, where, parsed, known_guardians)
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            _(
                "le fichier CSV n'est pas encodé en UTF-8 : enregistrez-le au format "
                "« CSV UTF-8 » depuis votre tableur"
            ),
            file_name=name,
        ) from exc
    except csv.Error as exc:
        raise RosterFileError(
            _("fichier CSV illisible (ligne %(line)s)") % {"line": line_number},
            file_name=name,
        ) from exc
    if parsed.rows_read == 0:
        raise RosterFileError(_("le fichier ne contient aucune ligne de données"), file_name=name)
    return parsed


def _line_where(line: int) -> str:
    return _("ligne %(line)s") % {"line": line}


def _student(values: dict[str, str], where: Where, parsed: ParsedFile) -> None:
    raw = {
        "external_id": values.get("id_eleve"),
        "ine": values.get("ine"),
        "last_name": values.get("nom"),
        "first_name": values.get("prenom"),
        "birth_date": values.get("date_naissance"),
        "left_on": values.get("date_sortie"),
        "class_name": values.get("classe"),
    }
    row = student_row(raw, where, parsed)
    if row is not None:
        parsed.students.append(row)


def _guardian(values: dict[str, str], where: Where, parsed: ParsedFile, known: set[str]) -> None:
    """One line is one guardian and one child: the person on their first line, then the link."""
    ident = clean(values.get("id_responsable"))
    if ident in parsed.rejected_guardian_ids:
        return
    if ident not in known:
        raw = {
            "external_id": values.get("id_responsable"),
            "last_name": values.get("nom"),
            "first_name": values.get("prenom"),
            "mobile": values.get("mobile"),
            "email": values.get("email"),
            "accepts_sms": values.get("accepte_sms"),
        }
        row = guardian_row(raw, where, parsed)
        if row is None:
            return
        parsed.guardians.append(row)
        known.add(row.external_id)
    link = link_row(
        {
            "student_id": values.get("id_eleve"),
            "guardian_id": ident,
            "level": values.get("niveau_responsabilite"),
            "relationship": values.get("lien_parente"),
        },
        where,
        parsed,
    )
    if link is not None:
        parsed.links.append(link)
