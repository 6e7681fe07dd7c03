"""The portal's corrections as the import reads them: one query, then decisions in memory.

A correction made in the console outlives the next import until SIECLE agrees.
Two sources, read together in one query (a ``UNION``, so that the import keeps its small
constant number of queries):

- active ``roster.RosterCorrection`` rows: a guardian's mobile, e-mail or SMS consent corrected
  in the console, a link the school detached after a report (roster/corrections.py);
- ``AttachmentReport`` rows that no correction accounts for, each a refused link: an *open*
  report whose link is gone is a parent's "non" at sign-up (accounts/services.py removes the
  link and files the report; the accounts app cannot call the roster app, so the import reads
  the report itself), and a *detached* one is a detachment made before corrections were
  recorded. An open report whose link is still there (filed from *Mon compte*) refuses nothing:
  the school has not decided yet.

For each correction the plan asks here what to do with SIECLE's value:

- SIECLE has the portal's value: the correction is *settled* (closed, then forgotten);
- SIECLE has another value: the portal's value is kept, and the report names the conflict and
  what to fix in SIECLE; SIECLE's latest value is noted, for "take SIECLE's value" in the console.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import AttachmentReport, Establishment, Guardian, Student
from roster.corrections import CONTACT_FIELDS, encode_value
from roster.imports.wording import (
    display_correction_value,
    display_date,
    guardian_who,
    link_who,
    student_who,
)
from roster.models import RosterCorrection

# An open report read as a refusal ("non" at sign-up); not a stored origin.
SIGNUP = "signup"
_COLUMNS = ("c_pk", "c_report", "c_guardian", "c_student", "c_field", "c_value", "c_siecle")
_COLUMNS_END = ("c_origin", "c_at")


@dataclass(slots=True)
class Correction:
    pk: int | None  # None: read from a report, not recorded yet
    report_pk: int | None
    guardian_id: int
    student_id: int | None
    field: str
    corrected_value: str
    siecle_value: str
    origin: str
    corrected_at: dt.datetime


@dataclass
class CorrectionWrites:
    """What applying the plan writes in ``RosterCorrection``."""

    settled: list[int] = field(default_factory=list)
    siecle_values: list[RosterCorrection] = field(default_factory=list)
    creates: list[RosterCorrection] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.settled) + len(self.siecle_values) + len(self.creates)


def read_corrections(establishment: Establishment) -> list[Correction]:
    """Every correction the import must respect, in one query."""
    recorded = (
        RosterCorrection.objects.filter(
            establishment=establishment, status=RosterCorrection.Status.ACTIVE
        )
        .order_by()
        .annotate(
            c_pk=F("pk"),
            c_report=F("report_id"),
            c_guardian=F("guardian_id"),
            c_student=F("student_id"),
            c_field=F("field"),
            c_value=F("corrected_value"),
            c_siecle=F("siecle_value"),
            c_origin=F("origin"),
            c_at=F("corrected_at"),
        )
        .values_list(*_COLUMNS, *_COLUMNS_END)
    )
    reported = (
        AttachmentReport.objects.filter(
            establishment=establishment,
            guardian__isnull=False,
            status__in=[AttachmentReport.Status.OPEN, AttachmentReport.Status.DETACHED],
            roster_correction__isnull=True,
        )
        .order_by()
        .annotate(
            c_pk=Value(None, output_field=IntegerField()),
            c_report=F("pk"),
            c_guardian=F("guardian_id"),
            c_student=F("student_id"),
            c_field=Value(RosterCorrection.Field.LINK.value),
            c_value=Value(""),
            c_siecle=Value(""),
            c_origin=Case(
                When(
                    Q(status=AttachmentReport.Status.DETACHED),
                    then=Value(RosterCorrection.Origin.REPORT.value),
                ),
                default=Value(SIGNUP),
            ),
            c_at=Coalesce("resolved_at", "created_at"),
        )
        .values_list(*_COLUMNS, *_COLUMNS_END)
    )
    return [Correction(*row) for row in recorded.union(reported, all=True)]


class CorrectionBook:
    """The corrections of one establishment, consulted row by row while planning."""

    def __init__(self, corrections: Iterable[Correction]) -> None:
        self.contacts: dict[tuple[int, str], Correction] = {}
        self.links: dict[tuple[int, int], Correction] = {}
        for correction in corrections:
            if correction.student_id is None:
                self.contacts[(correction.guardian_id, correction.field)] = correction
            else:
                key = (correction.student_id, correction.guardian_id)
                if key not in self.links or correction.pk is not None:  # a recorded one wins
                    self.links[key] = correction
        self.conflicts: list[str] = []
        self.settled: list[str] = []
        self.writes = CorrectionWrites()
        self._links_seen: set[tuple[int, int]] = set()

    def keep_contact(self, guardian: Guardian, values: dict[str, Any]) -> None:
        """Take out of ``values`` (SIECLE's) each contact field a correction keeps."""
        if not self.contacts or guardian.pk is None:
            return
        for name in CONTACT_FIELDS:
            correction = self.contacts.get((guardian.pk, name))
            if correction is None or name not in values:
                continue  # no correction, or the file says nothing (an older export's consent)
            who = guardian_who(guardian)
            incoming = encode_value(values[name])
            if incoming == encode_value(getattr(guardian, name)):
                self._settle(correction, _contact_settled(who, correction))
                continue
            del values[name]
            self.conflicts.append(_contact_conflict(who, correction, incoming))
            if incoming != correction.siecle_value and correction.pk is not None:
                self.writes.siecle_values.append(
                    RosterCorrection(pk=correction.pk, siecle_value=incoming)
                )

    def refuses_link(self, student: Student, guardian: Guardian) -> bool:
        """Whether a link SIECLE declares, and the portal does not hold, stays detached."""
        if student.pk is None or guardian.pk is None:
            return False
        key = (student.pk, guardian.pk)
        correction = self.links.get(key)
        if correction is None:
            return False
        self._links_seen.add(key)
        self.conflicts.append(_link_conflict(student, guardian, correction))
        if correction.pk is None and correction.origin == RosterCorrection.Origin.REPORT:
            self.writes.creates.append(
                RosterCorrection(
                    establishment_id=student.establishment_id,
                    guardian_id=guardian.pk,
                    student_id=student.pk,
                    field=RosterCorrection.Field.LINK,
                    origin=RosterCorrection.Origin.REPORT,
                    report_id=correction.report_pk,
                    corrected_at=correction.corrected_at,
                )
            )
        return True

    def link_kept(self, student: Student, guardian: Guardian) -> None:
        """A link the portal holds again (re-attached by hand) and SIECLE declares: agreed."""
        if not self.links:
            return
        key = (student.pk, guardian.pk)
        correction = self.links.get(key)
        if correction is None:
            return
        self._links_seen.add(key)
        if correction.pk is not None:
            self._settle(
                correction,
                _("%(who)s : lien de nouveau enregistré dans le portail et déclaré par SIECLE")
                % {"who": link_who(student, guardian)},
            )

    def settle_undeclared_links(
        self,
        students: dict[int, Student],
        guardians: dict[int, Guardian],
        is_rejected: Callable[[Student, Guardian], bool],
    ) -> None:
        """Detached links SIECLE no longer declares: it agrees, the corrections are closed.

        ``is_rejected(student, guardian)``: the file's row for that link was refused, so the
        file says nothing about it.
        """
        for key, correction in self.links.items():
            if key in self._links_seen or correction.pk is None:
                continue
            student, guardian = students.get(key[0]), guardians.get(key[1])
            if student is None or guardian is None or is_rejected(student, guardian):
                continue
            self._settle(
                correction,
                _("%(who)s : SIECLE ne déclare plus ce lien, détaché dans le portail le %(date)s")
                % {
                    "who": link_who(student, guardian),
                    "date": display_date(correction.corrected_at),
                },
            )

    def _settle(self, correction: Correction, line: str) -> None:
        if correction.pk is None:
            return
        self.writes.settled.append(correction.pk)
        self.settled.append(line)


def _portal_value(correction: Correction) -> str:
    return display_correction_value(correction.field, correction.corrected_value) or _("aucun")


def _contact_conflict(who: str, correction: Correction, incoming: str) -> str:
    values = {
        "who": who,
        "siecle": display_correction_value(correction.field, incoming),
        "portal": _portal_value(correction),
        "date": display_date(correction.corrected_at),
    }
    if not incoming and correction.field == RosterCorrection.Field.MOBILE:
        message = _(
            "SIECLE n'a aucun mobile pour %(who)s ; corrigé dans le portail le %(date)s "
            "(%(portal)s) : conservé"
        )
    elif not incoming:
        message = _(
            "SIECLE n'a aucun e-mail pour %(who)s ; corrigé dans le portail le %(date)s "
            "(%(portal)s) : conservé"
        )
    elif incoming == correction.siecle_value:
        message = _(
            "SIECLE a encore %(siecle)s pour %(who)s ; corrigé dans le portail le %(date)s "
            "(%(portal)s) : conservé"
        )
    else:
        message = _(
            "SIECLE a maintenant %(siecle)s pour %(who)s ; corrigé dans le portail le %(date)s "
            "(%(portal)s) : conservé"
        )
    return message % values


def _contact_settled(who: str, correction: Correction) -> str:
    values = {
        "who": who,
        "value": _portal_value(correction),
        "date": display_date(correction.corrected_at),
    }
    if not correction.corrected_value and correction.field == RosterCorrection.Field.MOBILE:
        message = _(
            "%(who)s : SIECLE n'a plus de mobile, comme corrigé dans le portail le %(date)s"
        )
    elif not correction.corrected_value:
        message = _("%(who)s : SIECLE n'a plus d'e-mail, comme corrigé dans le portail le %(date)s")
    else:
        message = _(
            "%(who)s : SIECLE a maintenant %(value)s, comme corrigé dans le portail le %(date)s"
        )
    return message % values


def _link_conflict(student: Student, guardian: Guardian, correction: Correction) -> str:
    values = {
        "child": student_who(student),
        "guardian": guardian_who(guardian),
        "date": display_date(correction.corrected_at),
    }
    if correction.origin == SIGNUP:
        message = _(
            "SIECLE rattache encore %(child)s à %(guardian)s ; refusé par ce responsable à son "
            "inscription le %(date)s (signalement à traiter) : laissé détaché"
        )
    else:
        message = _(
            "SIECLE rattache encore %(child)s à %(guardian)s ; détaché dans le portail le "
            "%(date)s : laissé détaché"
        )
    return message % values
