"""Streaming reader for SIECLE "BEE" exports: BEE_ELEVES and BEE_RESPONSABLES.

What is known of the structure::

    BEE_ELEVES
      PARAMETRES/UAJ                         the establishment's UAI
      DONNEES/ELEVES/ELEVE[@ELEVE_ID]         ID_NATIONAL, NOM_DE_FAMILLE (older: NOM), PRENOM,
                                             DATE_NAISS dd/mm/yyyy, DATE_SORTIE
      DONNEES/STRUCTURES/STRUCTURES_ELEVE[@ELEVE_ID]/STRUCTURE
                                             CODE_STRUCTURE, TYPE_STRUCTURE D (class) or G (group)
    BEE_RESPONSABLES
      PARAMETRES/UAJ
      DONNEES/PERSONNES/PERSONNE[@PERSONNE_ID] NOM_DE_FAMILLE (older: NOM), NOM_USAGE, PRENOM,
                                             TEL_PORTABLE, MEL, ACCEPTE_SMS
      DONNEES/RESPONSABLES/RESPONSABLE_ELEVE   ELEVE_ID, PERSONNE_ID, NIVEAU_RESPONSABILITE
                                             (older: RESP_LEGAL), CODE_PARENTE
      DONNEES/ADRESSES/ADRESSE                 (ignored)

Parsing is safe and flat: defusedxml refuses any DTD, entity or external reference (billion
laughs, XXE), the encoding is the one the XML declaration names (ISO-8859-15 usually), and
every element outside the record being read is dropped from the tree as soon as it is read.
"""

from __future__ import annotations

from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from roster.imports.fields import clean, guardian_row, link_row, student_row
from roster.imports.records import FileKind, ParsedFile, RosterFileError

ROOTS: dict[str, FileKind] = {"BEE_ELEVES": "students", "BEE_RESPONSABLES": "guardians"}
DESCRIPTIONS = {
    "students": gettext_lazy("élèves SIECLE"),
    "guardians": gettext_lazy("responsables SIECLE"),
}
DIVISION = "D"
RECORD_DEPTH = 3  # BEE_*/DONNEES/<section>/<record>
DEFAULT_MAX_ELEMENTS = 2_000_000
MAX_RECORD_ELEMENTS = 10_000  # a student or guardian record holds a few dozen


def _texts(element: Element) -> dict[str, str | None]:
    """Child element texts by tag; the first occurrence wins."""
    texts: dict[str, str | None] = {}
    for child in element:
        texts.setdefault(child.tag, child.text or "")
    return texts


def _first(texts: dict[str, str | None], *tags: str) -> str | None:
    """The first of ``tags`` present with a non-blank text (older exports use other names)."""
    for tag in tags:
        if clean(texts.get(tag)):
            return texts[tag]
    return None


def _file_error(name: str, message: str) -> RosterFileError:
    return RosterFileError(message, file_name=name)


def _parsed_file(name: str, root_tag: str) -> ParsedFile:
    kind = ROOTS.get(root_tag)
    if kind is None:
        raise _file_error(
            name,
            _(
                "ce fichier n'est pas un export SIECLE BEE_ELEVES ou BEE_RESPONSABLES "
                "(élément racine « %(tag)s »)"
            )
            % {"tag": root_tag[:50]},
        )
    return ParsedFile(kind=kind, name=name, description=str(DESCRIPTIONS[kind]))


class _Reader:
    def __init__(self, parsed: ParsedFile, expected_uai: str) -> None:
        self.name = parsed.name
        self.expected_uai = expected_uai
        self.parsed = parsed
        self.classes: dict[str, str] = {}
        self.has_structures = False

    def error(self, message: str) -> RosterFileError:
        return RosterFileError(message, file_name=self.name)

    def uaj(self, text: str | None) -> None:
        uai = clean(text).upper()
        if uai != self.expected_uai:
            raise self.error(
                _("ce fichier est l'export de l'établissement %(file_uai)s, pas de %(expected)s")
                % {"file_uai": uai[:20] or "?", "expected": self.expected_uai}
            )
        self.parsed.uai = uai

    def record(self, section: str, element: Element) -> None:
        parsed = self.parsed
        tag = element.tag
        if parsed.kind == "students" and section == "ELEVES" and tag == "ELEVE":
            self.student(element)
        elif parsed.kind == "students" and section == "STRUCTURES" and tag == "STRUCTURES_ELEVE":
            self.structure(element)
        elif parsed.kind == "guardians" and section == "PERSONNES" and tag == "PERSONNE":
            self.guardian(element)
        elif (
            parsed.kind == "guardians" and section == "RESPONSABLES" and tag == "RESPONSABLE_ELEVE"
        ):
            self.link(element)

    def student(self, element: Element) -> None:
        texts = _texts(element)
        ident = clean(element.get("ELEVE_ID"))
        last = _first(texts, "NOM_DE_FAMILLE", "NOM", "NOM_USAGE")

        def where() -> str:
            return _("élève %(id)s (%(name)s)") % {
                "id": ident or "sans ELEVE_ID",
                "name": clean(f"{last or ''} {texts.get('PRENOM') or ''}")[:80],
            }

        raw = {
            "external_id": ident,
            "ine": texts.get("ID_NATIONAL"),
            "last_name": last,
            "first_name": texts.get("PRENOM"),
            "birth_date": texts.get("DATE_NAISS"),
            "left_on": texts.get("DATE_SORTIE"),
            "class_name": "",
        }
        row = student_row(raw, where, self.parsed)
        if row is not None:
            self.parsed.students.append(row)

    def structure(self, element: Element) -> None:
        """The division (``D``) is the class; groups (``G``) may come first and are skipped."""
        self.has_structures = True
        ident = clean(element.get("ELEVE_ID"))
        if not ident or ident in self.classes:
            return
        for structure in element.iter("STRUCTURE"):
            texts = _texts(structure)
            if clean(texts.get("TYPE_STRUCTURE")).upper() == DIVISION:
                code = clean(texts.get("CODE_STRUCTURE"))
                if code:
                    self.classes[ident] = code
                    return

    def guardian(self, element: Element) -> None:
        texts = _texts(element)
        ident = clean(element.get("PERSONNE_ID"))
        last = _first(texts, "NOM_DE_FAMILLE", "NOM", "NOM_USAGE")

        def where() -> str:
            return _("responsable %(id)s (%(name)s)") % {
                "id": ident or "sans PERSONNE_ID",
                "name": clean(f"{last or ''} {texts.get('PRENOM') or ''}")[:80],
            }

        raw = {
            "external_id": ident,
            "last_name": last,
            "first_name": texts.get("PRENOM"),
            "mobile": texts.get("TEL_PORTABLE"),
            "email": texts.get("MEL"),
            "accepts_sms": texts.get("ACCEPTE_SMS"),
        }
        row = guardian_row(raw, where, self.parsed)
        if row is not None:
            self.parsed.guardians.append(row)

    def link(self, element: Element) -> None:
        texts = _texts(element)

        def value(tag: str) -> str | None:
            return texts.get(tag) if tag in texts else element.get(tag)

        def where() -> str:
            return _("lien élève %(student)s – responsable %(guardian)s") % {
                "student": clean(value("ELEVE_ID"))[:30] or "?",
                "guardian": clean(value("PERSONNE_ID"))[:30] or "?",
            }

        raw = {
            "student_id": value("ELEVE_ID"),
            "guardian_id": value("PERSONNE_ID"),
            "level": value("NIVEAU_RESPONSABILITE"),
            "legacy_level": value("RESP_LEGAL"),
            "relationship": value("CODE_PARENTE"),
        }
        row = link_row(raw, where, self.parsed)
        if row is not None:
            self.parsed.links.append(row)

    def finish(self) -> ParsedFile:
        parsed = self.parsed
        if parsed.uai is None:
            raise self.error(_missing_uaj())
        if parsed.rows_read == 0:
            what = _("aucun élève") if parsed.kind == "students" else _("aucun responsable")
            raise self.error(_("le fichier ne contient %(what)s") % {"what": what})
        for row in parsed.students:
            row.class_name = self.classes.get(row.external_id, "") if self.has_structures else None
        return parsed


def _too_many_elements(name: str, limit: int) -> RosterFileError:
    return _file_error(
        name,
        _(
            "le fichier contient trop d'éléments XML (%(max)s au plus) : ce n'est pas un export "
            "SIECLE ordinaire ; téléchargez à nouveau l'export depuis SIECLE"
        )
        % {"max": f"{limit:,}".replace(",", "\u202f")},
    )


def parse_siecle(name: str, stream: IO[bytes], *, expected_uai: str) -> ParsedFile:
    """Read one BEE export; raise RosterFileError if it is corrupt, unsafe or another school's.

    Memory stays flat whatever the file: every element that ends at most three levels deep
    (sections, records, and whatever else sits outside the records) is dropped from the tree
    once read, so only the record being read is ever held; the elements of the whole file
    (``ROSTER_IMPORT_MAX_ELEMENTS``) and of one record (``MAX_RECORD_ELEMENTS``) are capped.
    """
    reader: _Reader | None = None
    stack: list[Element] = []
    limit = int(getattr(settings, "ROSTER_IMPORT_MAX_ELEMENTS", DEFAULT_MAX_ELEMENTS))
    elements = in_record = 0
    try:
        for event, element in iterparse(
            stream, events=("start", "end"), forbid_dtd=True, forbid_entities=True
        ):
            if event == "start":
                elements += 1
                in_record += len(stack) > RECORD_DEPTH
                if elements > limit:
                    raise _too_many_elements(name, limit)
                if in_record > MAX_RECORD_ELEMENTS:
                    raise _too_many_elements(name, MAX_RECORD_ELEMENTS)
                if reader is None:
                    reader = _Reader(_parsed_file(name, element.tag), expected_uai)
                elif len(stack) == 1 and element.tag == "DONNEES" and reader.parsed.uai is None:
                    raise _file_error(name, _missing_uaj())
                stack.append(element)
                continue
            stack.pop()
            if reader is None:  # never: the first start event made the reader
                continue
            depth = len(stack)
            if depth == 2 and element.tag == "UAJ" and stack[1].tag == "PARAMETRES":
                reader.uaj(element.text)
            elif depth == RECORD_DEPTH and stack[1].tag == "DONNEES":
                reader.record(stack[2].tag, element)
            if 1 <= depth <= RECORD_DEPTH:  # read: drop it, whatever it was
                stack[-1].remove(element)
            if depth == RECORD_DEPTH:
                in_record = 0
    except DefusedXmlException as exc:  # a ValueError: catch it first
        raise _file_error(
            name, _("le fichier contient une DTD ou des entités XML, refusées par sécurité")
        ) from exc
    except (ParseError, ValueError, LookupError) as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise _file_error(
            name,
            _(
                "fichier XML corrompu ou tronqué (ligne %(line)s, colonne %(column)s) ; "
                "téléchargez à nouveau l'export depuis SIECLE"
            )
            % {"line": line, "column": column},
        ) from exc
    if reader is None:
        raise _file_error(name, _("fichier XML vide"))
    return reader.finish()


def _missing_uaj() -> str:
    return _("code établissement (PARAMETRES/UAJ) absent")
