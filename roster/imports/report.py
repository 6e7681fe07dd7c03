"""What an import did (or would do, in a dry run), as the secretariat reads it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from roster.imports.records import RowIssue


@dataclass
class Counts:
    """Rows of one kind. ``left``: students detached, guardians no longer listed, links removed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0


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
        )

    def as_text(self) -> str:
        mode = _("appliqué") if self.applied else _("simulation : rien n'a été enregistré")
        lines = [
            _("Import de l'annuaire – %(name)s (%(uai)s) – %(mode)s")
            % {"name": self.establishment_name, "uai": self.uai, "mode": mode},
            _("Fichiers : %(files)s") % {"files": "; ".join(self.files)},
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
        if self.rejections:
            lines.append(_("Lignes rejetées (%(count)s) :") % {"count": len(self.rejections)})
            lines.extend(f"  - {issue}" for issue in self.rejections)
        else:
            lines.append(_("Aucune ligne rejetée."))
        if self.warnings:
            lines.append(_("Avertissements (%(count)s) :") % {"count": len(self.warnings)})
            lines.extend(f"  - {issue}" for issue in self.warnings)
        return "\n".join(lines)

    @staticmethod
    def _figures(counts: Counts) -> dict[str, int]:
        return {"c": counts.created, "u": counts.updated, "n": counts.unchanged, "l": counts.left}
