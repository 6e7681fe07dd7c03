"""The dry run: compare the parsed files with the stored roster and decide every write.

Reads the establishment's students, guardians and links in three queries (plus one per 5,000
INEs to find those held in other schools, and one for the portal's corrections when a guardians
file comes), then works in memory. Nothing is written here; the plan says which rows to create,
which to update (only those with a changed field) and which links to remove, and its report
counts and names them (who, which field, old → new).

Rules (docs/IMPORT.md):

- rows are matched on (establishment, SIECLE id); rows without an id (typed in by hand) are
  never touched;
- a student absent from the students file, or with a ``DATE_SORTIE``, is detached: ``left_on``
  is set (today when absent), the row, its links and its account are kept; a student listed
  again without a leaving date is attached again;
- a guardian absent from the guardians file is kept (with any account) but loses their links
  to students still at the school, as does any link the file no longer lists: the school's
  file says who may act for a child;
- an INE already held by another student (here or in another school) is dropped with a warning;
- a value corrected in the portal (a guardian's mobile, e-mail, SMS consent; a link detached or
  refused) is kept over SIECLE's until SIECLE agrees (``corrections``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from accounts.models import Establishment, Guardian, Guardianship, Student
from roster.imports.corrections import CorrectionBook, CorrectionWrites, read_corrections
from roster.imports.records import ParsedFile, RowIssue
from roster.imports.report import FieldChange, ImportReport, RowChange
from roster.imports.wording import (
    display_date,
    display_field,
    display_level,
    display_relationship,
    field_label,
    guardian_where,
    guardian_who,
    link_where,
    link_who,
    student_where,
    student_who,
)

STUDENT_FIELDS = (
    "external_id",
    "ine",
    "last_name",
    "first_name",
    "birth_date",
    "class_name",
    "left_on",
)
GUARDIAN_FIELDS = ("external_id", "last_name", "first_name", "mobile", "email", "accepts_sms")
# Read with the stored guardians (not written): whose account a changed mobile belongs to.
GUARDIAN_READ_FIELDS = (*GUARDIAN_FIELDS, "account_id")
INE_CHUNK = 5000


@dataclass
class Writes:
    """Rows of one model to insert, and rows to update with the union of their changed fields."""

    creates: list[Any] = field(default_factory=list)
    updates: list[Any] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class MobileReplaced:
    """An account holder's school mobile the import replaces (``new`` may be empty)."""

    guardian_id: int
    account_id: int
    old: str
    new: str
    accepted_sms: bool


@dataclass
class RosterPlan:
    establishment: Establishment
    report: ImportReport
    students: Writes = field(default_factory=Writes)
    guardians: Writes = field(default_factory=Writes)
    links: Writes = field(default_factory=Writes)
    link_deletes: list[int] = field(default_factory=list)
    corrections: CorrectionWrites = field(default_factory=CorrectionWrites)
    mobiles_replaced: list[MobileReplaced] = field(default_factory=list)


def _assign(instance: models.Model, values: dict[str, Any]) -> dict[str, FieldChange]:
    """Set the values that differ; return what changed (old → new, for the report) by field."""
    changed = {}
    for name, value in values.items():
        old = getattr(instance, name)
        if old != value:
            setattr(instance, name, value)
            changed[name] = FieldChange(
                field_label(name), display_field(name, old), display_field(name, value)
            )
    return changed


def _ines_elsewhere(establishment: Establishment, ines: Iterable[str]) -> set[str]:
    wanted = sorted(set(ines))
    found: set[str] = set()
    for start in range(0, len(wanted), INE_CHUNK):
        found.update(
            Student.objects.filter(ine__in=wanted[start : start + INE_CHUNK])
            .exclude(establishment=establishment)
            .values_list("ine", flat=True)
        )
    return found


class _Planner:
    def __init__(self, establishment: Establishment, files: list[ParsedFile], today: dt.date):
        self.establishment = establishment
        self.today = today
        self.students_file = next((f for f in files if f.kind == "students"), None)
        self.guardians_file = next((f for f in files if f.kind == "guardians"), None)
        report = ImportReport(uai=establishment.uai, establishment_name=establishment.name)
        for parsed in files:
            report.files.append(f"{parsed.name} ({parsed.description})")
            report.rejections.extend(parsed.rejections)
            report.warnings.extend(parsed.warnings)
        self.plan = RosterPlan(establishment=establishment, report=report)
        self.book = CorrectionBook(())
        self.stored_students = list(
            Student.objects.filter(establishment=establishment).only(*STUDENT_FIELDS)
        )
        self.students_by_id: dict[str, Student] = {
            s.external_id: s for s in self.stored_students if s.external_id
        }

    def run(self) -> RosterPlan:
        if self.students_file is not None:
            self.plan_students(self.students_file)
        if self.guardians_file is not None:
            self.book = CorrectionBook(read_corrections(self.establishment))
            guardians_by_id = self.plan_guardians(self.guardians_file)
            self.plan_links(self.guardians_file, guardians_by_id)
            report = self.plan.report
            report.conflicts, report.settled = self.book.conflicts, self.book.settled
            self.plan.corrections = self.book.writes
            report.correction_writes = len(self.book.writes)
        return self.plan

    def plan_students(self, parsed: ParsedFile) -> None:
        report, writes = self.plan.report, self.plan.students
        counts = report.students
        listed = {row.external_id for row in parsed.students}
        owner_of_ine = {s.ine: s.external_id for s in self.stored_students if s.ine}
        # INEs held by rows this file does not rewrite (absent, or typed in by hand).
        taken = {s.ine for s in self.stored_students if s.ine and s.external_id not in listed}
        taken |= _ines_elsewhere(self.establishment, (r.ine for r in parsed.students if r.ine))
        holder: dict[str, str] = {}
        for row in parsed.students:
            if row.ine and (owner_of_ine.get(row.ine) == row.external_id or row.ine not in holder):
                holder[row.ine] = row.external_id

        seen = set(parsed.rejected_student_ids)
        for row in parsed.students:
            where = partial(student_where, row)
            if row.external_id in seen:
                report.rejections.append(
                    RowIssue(parsed.name, where(), _("identifiant en double dans le fichier"))
                )
                continue
            seen.add(row.external_id)
            ine = row.ine
            if ine and (ine in taken or holder.get(ine) != row.external_id):
                report.warnings.append(
                    RowIssue(
                        parsed.name,
                        where(),
                        _("INE %(ine)s déjà attribué à un autre élève : ignoré") % {"ine": ine},
                    )
                )
                ine = ""
            values: dict[str, Any] = {
                "ine": ine,
                "last_name": row.last_name,
                "first_name": row.first_name,
                "birth_date": row.birth_date,
                "left_on": row.left_on,
            }
            if row.class_name is not None:
                values["class_name"] = row.class_name
            stored = self.students_by_id.get(row.external_id)
            if stored is None:
                student = Student(
                    establishment=self.establishment, external_id=row.external_id, **values
                )
                writes.creates.append(student)
                self.students_by_id[row.external_id] = student
                counts.add_created(RowChange(student_who(student)))
                continue
            was_current = stored.left_on is None
            changed = _assign(stored, values)
            if not changed:
                counts.unchanged += 1
                continue
            writes.updates.append(stored)
            writes.fields |= changed.keys()
            change = RowChange(student_who(stored), tuple(changed.values()))
            if was_current and stored.left_on is not None:
                counts.add_left(change)
            else:
                counts.add_updated(change)

        for external_id, stored in self.students_by_id.items():
            if external_id not in seen and stored.pk is not None and stored.left_on is None:
                stored.left_on = self.today
                writes.updates.append(stored)
                writes.fields.add("left_on")
                note = _("plus dans le fichier des élèves, sortie enregistrée au %(date)s") % {
                    "date": display_date(self.today)
                }
                counts.add_left(RowChange(student_who(stored), note=note))

    def plan_guardians(self, parsed: ParsedFile) -> dict[str, Guardian]:
        report, writes = self.plan.report, self.plan.guardians
        counts = report.guardians
        guardians_by_id: dict[str, Guardian] = {
            g.external_id: g
            for g in Guardian.objects.filter(establishment=self.establishment)
            .exclude(external_id="")
            .only(*GUARDIAN_READ_FIELDS)
        }
        self.stored_guardian_ids = set(guardians_by_id)
        seen = set(parsed.rejected_guardian_ids)
        for row in parsed.guardians:
            if row.external_id in seen:
                where = guardian_where(row)
                report.rejections.append(
                    RowIssue(parsed.name, where, _("identifiant en double dans le fichier"))
                )
                continue
            seen.add(row.external_id)
            values: dict[str, Any] = {
                "last_name": row.last_name,
                "first_name": row.first_name,
                "mobile": row.mobile,
                "email": row.email,
            }
            if row.accepts_sms is not None:
                values["accepts_sms"] = row.accepts_sms
            stored = guardians_by_id.get(row.external_id)
            if stored is None:
                values.setdefault("accepts_sms", True)
                guardian = Guardian(
                    establishment=self.establishment, external_id=row.external_id, **values
                )
                writes.creates.append(guardian)
                guardians_by_id[row.external_id] = guardian
                counts.add_created(RowChange(guardian_who(guardian)))
                continue
            self.book.keep_contact(stored, values)
            old_mobile, accepted_sms = stored.mobile, stored.accepts_sms
            changed = _assign(stored, values)
            if "mobile" in changed and old_mobile and stored.account_id is not None:
                self.plan.mobiles_replaced.append(
                    MobileReplaced(
                        stored.pk, stored.account_id, old_mobile, stored.mobile, accepted_sms
                    )
                )
            if changed:
                writes.updates.append(stored)
                writes.fields |= changed.keys()
                counts.add_updated(RowChange(guardian_who(stored), tuple(changed.values())))
            else:
                counts.unchanged += 1
        self.listed_guardian_ids = seen
        return guardians_by_id

    def plan_links(self, parsed: ParsedFile, guardians_by_id: dict[str, Guardian]) -> None:
        report, writes = self.plan.report, self.plan.links
        counts = report.links
        stored_links = {
            (student_id, guardian_id): (pk, level, relationship)
            for pk, student_id, guardian_id, level, relationship in Guardianship.objects.filter(
                student__establishment=self.establishment
            ).values_list("pk", "student_id", "guardian_id", "responsibility_level", "relationship")
        }
        listed: set[tuple[str, str]] = set()
        kept: set[tuple[int, int]] = set()
        for link in parsed.links:
            where = partial(link_where, link)
            student = self.students_by_id.get(link.student_id)
            guardian = guardians_by_id.get(link.guardian_id)
            if link.guardian_id in parsed.rejected_guardian_ids:
                continue  # the guardian's own rejection says why
            if student is None:
                report.rejections.append(
                    RowIssue(
                        parsed.name,
                        where(),
                        _("élève inconnu (identifiant %(id)s) : lien ignoré")
                        % {"id": link.student_id},
                    )
                )
                continue
            if guardian is None or link.guardian_id not in self.listed_guardian_ids:
                report.rejections.append(
                    RowIssue(
                        parsed.name,
                        where(),
                        _("responsable absent du fichier (identifiant %(id)s) : lien ignoré")
                        % {"id": link.guardian_id},
                    )
                )
                continue
            key = (link.student_id, link.guardian_id)
            if key in listed:
                report.rejections.append(RowIssue(parsed.name, where(), _("lien en double")))
                continue
            listed.add(key)
            stored = (
                stored_links.get((student.pk, guardian.pk))
                if student.pk is not None and guardian.pk is not None
                else None
            )
            if stored is None:
                if self.book.refuses_link(student, guardian):
                    continue  # detached or refused in the portal: the report names the conflict
                writes.creates.append(
                    Guardianship(
                        student=student,
                        guardian=guardian,
                        responsibility_level=link.responsibility_level,
                        relationship=link.relationship,
                    )
                )
                note = _("%(level)s, %(relationship)s") % {
                    "level": display_level(link.responsibility_level),
                    "relationship": display_relationship(link.relationship),
                }
                counts.add_created(RowChange(link_who(student, guardian), note=note))
                continue
            kept.add((student.pk, guardian.pk))
            self.book.link_kept(student, guardian)
            pk, level, relationship = stored
            if (level, relationship) == (link.responsibility_level, link.relationship):
                counts.unchanged += 1
                continue
            changed = Guardianship(
                pk=pk,
                student_id=student.pk,
                guardian_id=guardian.pk,
                responsibility_level=level,
                relationship=relationship,
            )
            changes = _assign(
                changed,
                {
                    "responsibility_level": link.responsibility_level,
                    "relationship": link.relationship,
                },
            )
            writes.updates.append(changed)
            writes.fields |= {"responsibility_level", "relationship"}
            counts.add_updated(RowChange(link_who(student, guardian), tuple(changes.values())))
        self.plan_link_removals(parsed, stored_links, kept, guardians_by_id)

    def plan_link_removals(
        self,
        parsed: ParsedFile,
        stored_links: dict[tuple[int, int], tuple[int, int, str]],
        kept: set[tuple[int, int]],
        guardians_by_id: dict[str, Guardian],
    ) -> None:
        """Remove the links the file no longer lists, for students still at the school."""
        students = {s.pk: s for s in self.students_by_id.values() if s.pk is not None}
        guardians = {
            g.pk: g
            for external_id, g in guardians_by_id.items()
            if g.pk is not None and external_id in self.stored_guardian_ids
        }

        def is_rejected(student: Student, guardian: Guardian) -> bool:
            return (
                guardian.external_id in parsed.rejected_guardian_ids
                or (student.external_id, guardian.external_id) in parsed.rejected_links
            )

        report = self.plan.report
        unlisted_guardians: dict[int, Guardian] = {}
        for pair, (pk, _level, _relationship) in stored_links.items():
            if pair in kept:
                continue
            student, guardian = students.get(pair[0]), guardians.get(pair[1])
            if student is None or guardian is None or student.left_on is not None:
                continue  # typed in by hand, or the student left: keep the link
            if is_rejected(student, guardian):
                continue  # the file's row was rejected: leave the stored link as it is
            self.plan.link_deletes.append(pk)
            report.links.add_left(RowChange(link_who(student, guardian)))
            if guardian.external_id not in self.listed_guardian_ids:
                unlisted_guardians[guardian.pk] = guardian
        for guardian in unlisted_guardians.values():
            report.guardians.add_left(RowChange(guardian_who(guardian)))
        self.book.settle_undeclared_links(students, guardians, is_rejected)


def plan_roster(
    *, establishment: Establishment, files: list[ParsedFile], today: dt.date
) -> RosterPlan:
    """Decide every write of an import without writing anything (the dry run)."""
    return _Planner(establishment, files, today).run()
