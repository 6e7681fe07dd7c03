"""What an import did (or would do, in a dry run), as the secretariat reads it.

The counts, then every row named: who, which field, old → new; every student arriving or
leaving; every link created, changed or removed (child – guardian); every conflict between a
correction made in the portal and SIECLE, with what to fix in SIECLE. ``sections()`` is what
both the command's text (``as_text``) and the console's import page show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from roster.imports.records import RowIssue


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one row: ``mobile 06 11 22 33 44 → 06 99 88 77 66``."""

    label: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.label} {self.old} → {self.new}"


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row named for the secretariat (a student, a guardian, or a child – guardian link),
    with what changes on it, or a short note (a class, a leaving date)."""

    who: str
    changes: tuple[FieldChange, ...] = ()
    note: str = ""

    def __str__(self) -> str:
        what = " ; ".join(str(change) for change in self.changes) or self.note
        return f"{self.who} : {what}" if what else self.who


@dataclass
class Counts:
    """Rows of one kind. ``left``: students detached, guardians no longer listed, links removed.

    Each count but ``unchanged`` has the rows behind it, named (``created_rows``…).
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    created_rows: list[RowChange] = field(default_factory=list, repr=False)
    updated_rows: list[RowChange] = field(default_factory=list, repr=False)
    left_rows: list[RowChange] = field(default_factory=list, repr=False)

    def add_created(self, row: RowChange) -> None:
        self.created += 1
        self.created_rows.append(row)

    def add_updated(self, row: RowChange) -> None:
        self.updated += 1
        self.updated_rows.append(row)

    def add_left(self, row: RowChange) -> None:
        self.left += 1
        self.left_rows.append(row)


@dataclass(frozen=True)
class Section:
    """One list of the report: a title, what to do about it, and its lines."""

    key: str
    title: str
    lines: list[str]
    help: str = ""
    is_important: bool = False

    @property
    def count(self) -> int:
        return len(self.lines)


@dataclass
class ImportReport:
    uai: str
    establishment_name: str
    applied: bool = False
    files: list[str] = field(default_factory=list)
    students: Counts = field(default_factory=Counts)
    guardians: Counts = field(default_factory=Counts)
    links: Counts = field(default_factory=Counts)
    rejections: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    # Corrections made in the portal: kept over SIECLE's value (conflicts), or that SIECLE now
    # agrees with (settled); one French sentence each.
    conflicts: list[str] = field(default_factory=list)
    settled: list[str] = field(default_factory=list)
    # Rows of ``roster.RosterCorrection`` written (settled, SIECLE's new value noted, recorded).
    correction_writes: int = 0

    @property
    def rows_written(self) -> int:
        """Rows inserted, updated or deleted (0 when the same files are imported again).

        Guardians no longer listed are not rows written: their removed links are.
        """
        students, guardians, links = self.students, self.guardians, self.links
        return (
            students.created
            + students.updated
            + students.left
            + guardians.created
            + guardians.updated
            + links.created
            + links.updated
            + links.left
            + self.correction_writes
        )

    def summary(self) -> list[str]:
        """The counts, one line per kind of row."""
        lines = [
            _("Élèves : %(c)s créés, %(u)s modifiés, %(n)s inchangés, %(l)s sortis")
            % self._figures(self.students),
            _("Responsables : %(c)s créés, %(u)s modifiés, %(n)s inchangés, %(l)s plus listés")
            % self._figures(self.guardians),
            _(
                "Liens élève-responsable : %(c)s créés, %(u)s modifiés, %(n)s inchangés, "
                "%(l)s supprimés"
            )
            % self._figures(self.links),
        ]
        if self.conflicts or self.settled:
            lines.append(
                _(
                    "Corrections du portail : %(kept)s conservées malgré SIECLE, "
                    "%(settled)s reprises par SIECLE"
                )
                % {"kept": len(self.conflicts), "settled": len(self.settled)}
            )
        return lines

    def sections(self) -> list[Section]:
        """Every non-empty list, conflicts first: what the secretariat must act on."""
        students, guardians, links = self.students, self.guardians, self.links
        sections = [
            Section(
                "conflicts",
                _("Corrections du portail conservées : à reporter dans SIECLE"),
                self.conflicts,
                _(
                    "SIECLE a une autre valeur que celle corrigée dans le portail : l'import "
                    "garde la correction. Corrigez la fiche dans SIECLE ; si c'est SIECLE qui a "
                    "raison, abandonnez la correction dans la console (Corrections du portail)."
                ),
                is_important=True,
            ),
            Section(
                "settled",
                _("Corrections du portail reprises par SIECLE"),
                self.settled,
                _("SIECLE a désormais la valeur corrigée : la correction est close."),
            ),
            _rows("students-created", _("Élèves arrivés"), students.created_rows),
            _rows("students-updated", _("Élèves modifiés"), students.updated_rows),
            _rows("students-left", _("Élèves sortis"), students.left_rows),
            _rows("guardians-created", _("Nouveaux responsables"), guardians.created_rows),
            _rows("guardians-updated", _("Responsables modifiés"), guardians.updated_rows),
            _rows(
                "guardians-left",
                _("Responsables plus listés (leurs liens sont retirés)"),
                guardians.left_rows,
            ),
            _rows("links-created", _("Liens élève – responsable créés"), links.created_rows),
            _rows("links-updated", _("Liens élève – responsable modifiés"), links.updated_rows),
            _rows("links-left", _("Liens élève – responsable supprimés"), links.left_rows),
            Section(
                "rejections",
                _("Lignes rejetées"),
                [str(issue) for issue in self.rejections],
                _("Ces lignes ne sont pas importées : corrigez-les dans SIECLE ou le fichier."),
                is_important=True,
            ),
            Section(
                "warnings",
                _("Avertissements"),
                [str(issue) for issue in self.warnings],
                _("Ces lignes sont importées sans la donnée signalée."),
            ),
        ]
        return [section for section in sections if section.lines]

    def as_text(self) -> str:
        mode = _("appliqué") if self.applied else _("simulation : rien n'a été enregistré")
        lines = [
            _("Import de l'annuaire – %(name)s (%(uai)s) – %(mode)s")
            % {"name": self.establishment_name, "uai": self.uai, "mode": mode},
            _("Fichiers : %(files)s") % {"files": "; ".join(self.files)},
            *self.summary(),
        ]
        for section in self.sections():
            lines.append(
                _("%(title)s (%(count)s) :") % {"title": section.title, "count": section.count}
            )
            lines.extend(f"  - {line}" for line in section.lines)
        if not self.rejections:
            lines.append(_("Aucune ligne rejetée."))
        return "\n".join(lines)

    @staticmethod
    def _figures(counts: Counts) -> dict[str, int]:
        return {"c": counts.created, "u": counts.updated, "n": counts.unchanged, "l": counts.left}


def _rows(key: str, title: str, rows: list[RowChange]) -> Section:
    return Section(key, title, [str(row) for row in rows])
