"""Carrying out a plan: a handful of bulk statements, whatever the number of rows.

Called inside the import's transaction (``service.roster_import``). Updates go before inserts
so that an INE moved from one student to another is freed before it is taken. The portal's
corrections the plan settled are closed, and SIECLE's latest value noted on those it kept.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from accounts.models import Guardian, Guardianship, Student
from roster.imports.corrections import CorrectionWrites
from roster.imports.plan import RosterPlan, Writes
from roster.models import RosterCorrection

BATCH_SIZE = 1000
UPDATE_BATCH_SIZE = 500


def _write(manager: models.Manager[Any], writes: Writes, *, stamp: bool) -> None:
    if writes.updates:
        fields = set(writes.fields)
        if stamp:
            now = timezone.now()
            for instance in writes.updates:
                instance.updated_at = now
            fields.add("updated_at")
        manager.bulk_update(writes.updates, sorted(fields), batch_size=UPDATE_BATCH_SIZE)
    if writes.creates:
        manager.bulk_create(writes.creates, batch_size=BATCH_SIZE)


def apply_plan(plan: RosterPlan) -> None:
    """Write what the plan decided; the caller holds the transaction."""
    _write(Student.objects, plan.students, stamp=True)
    _write(Guardian.objects, plan.guardians, stamp=True)
    for start in range(0, len(plan.link_deletes), BATCH_SIZE):
        Guardianship.objects.filter(pk__in=plan.link_deletes[start : start + BATCH_SIZE]).delete()
    _write(Guardianship.objects, plan.links, stamp=False)
    _write_corrections(plan.corrections)


def _write_corrections(writes: CorrectionWrites) -> None:
    now = timezone.now()
    for start in range(0, len(writes.settled), BATCH_SIZE):
        RosterCorrection.objects.filter(
            pk__in=writes.settled[start : start + BATCH_SIZE],
            status=RosterCorrection.Status.ACTIVE,
        ).update(status=RosterCorrection.Status.SETTLED, resolved_at=now)
    if writes.siecle_values:
        RosterCorrection.objects.bulk_update(
            writes.siecle_values, ["siecle_value"], batch_size=UPDATE_BATCH_SIZE
        )
    if writes.creates:
        RosterCorrection.objects.bulk_create(writes.creates, batch_size=BATCH_SIZE)
