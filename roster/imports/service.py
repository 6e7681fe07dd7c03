"""``roster_import``: the one entry point of the roster import, for the command and the admin."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Establishment, User
from core import metrics
from roster.imports.apply import apply_plan
from roster.imports.csv_format import parse_csv
from roster.imports.plan import RosterPlan, plan_roster
from roster.imports.records import ParsedFile, RosterFileError
from roster.imports.report import ImportReport
from roster.imports.siecle import parse_siecle
from roster.imports.sources import open_documents
from roster.signals import mobiles_replaced


def _record_mobiles_replaced(plan: RosterPlan, *, actor: User | None, ip_address: str) -> None:
    """Journal each account holder's mobile the import replaced, as a console correction is
    (the settle period of ``recovery.channels`` reads these events), then tell the apps above."""
    if not plan.mobiles_replaced:
        return
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                event_type=AuditEvent.Type.CONTACT_CHANGED,
                subject_id=change.account_id,
                actor=actor,
                establishment=plan.establishment,
                ip_address=ip_address or None,
                details={
                    "guardian": change.guardian_id,
                    "mobile_changed": True,
                    "email_changed": False,
                    "sms_consent_changed": False,
                    "source": "import",
                },
            )
            for change in plan.mobiles_replaced
        ],
        batch_size=1000,
    )
    mobiles_replaced.send(
        sender=RosterPlan, changes=plan.mobiles_replaced, establishment=plan.establishment
    )


KIND_NAMES = {"students": "d'élèves", "guardians": "de responsables"}


def parse_roster_files(
    *, establishment: Establishment, files: Sequence[tuple[str, bytes]]
) -> list[ParsedFile]:
    """Read every file (and every file inside a ZIP); at most one of each kind."""
    if not files:
        raise RosterFileError(_("aucun fichier fourni"))
    parsed: list[ParsedFile] = []
    for name, data in files:
        for document in open_documents(name, data):
            if document.format == "xml":
                result = parse_siecle(
                    document.name, document.stream, expected_uai=establishment.uai
                )
            else:
                result = parse_csv(document.name, document.stream)
            if any(other.kind == result.kind for other in parsed):
                raise RosterFileError(
                    _("deux fichiers %(kind)s dans le même import : n'en donnez qu'un")
                    % {"kind": KIND_NAMES[result.kind]},
                    file_name=document.name,
                )
            parsed.append(result)
    return parsed


def roster_import(
    *,
    establishment: Establishment,
    files: Sequence[tuple[str, bytes]],
    apply: bool,
    today: dt.date | None = None,
    actor: User | None = None,
    ip_address: str = "",
) -> ImportReport:
    """``_roster_import``, timed: ``portal_roster_import_seconds`` by mode and outcome."""
    started = time.perf_counter()
    outcome = "refused"
    try:
        report = _roster_import(
            establishment=establishment,
            files=files,
            apply=apply,
            today=today,
            actor=actor,
            ip_address=ip_address,
        )
        outcome = "ok"
        return report
    finally:
        mode = "apply" if apply else "dry_run"
        metrics.observe(
            metrics.IMPORT_SECONDS, time.perf_counter() - started, mode=mode, outcome=outcome
        )


def _roster_import(
    *,
    establishment: Establishment,
    files: Sequence[tuple[str, bytes]],
    apply: bool,
    today: dt.date | None = None,
    actor: User | None = None,
    ip_address: str = "",
) -> ImportReport:
    """Import a school's roster files: a dry run, or the dry run then its writes.

    ``files`` are (name, content) pairs as uploaded: SIECLE BEE XML, a ZIP around them, or the
    CSV format of docs/IMPORT.md; a students file and a guardians file may come together.
    Raises ``RosterFileError`` (French message) for a corrupt, unsafe or foreign file; then, as
    whenever ``apply`` is false, nothing is written. Otherwise every write happens in one
    transaction, planned again inside it under a lock on the establishment so two imports of
    the same school cannot interleave, and the journal records the import (``actor``: the staff
    member, or None for the ``import_roster`` command).
    """
    today = today or timezone.localdate()
    parsed = parse_roster_files(establishment=establishment, files=files)
    if not apply:
        return plan_roster(establishment=establishment, files=parsed, today=today).report
    try:
        with transaction.atomic():
            list(
                Establishment.objects.select_for_update()
                .filter(pk=establishment.pk)
                .values_list("pk", flat=True)
            )
            plan = plan_roster(establishment=establishment, files=parsed, today=today)
            apply_plan(plan)
            _record_mobiles_replaced(plan, actor=actor, ip_address=ip_address)
            audit_event_record(
                event_type=AuditEvent.Type.ROSTER_IMPORTED,
                actor=actor,
                establishment=establishment,
                ip_address=ip_address,
                details={
                    "files": plan.report.files,
                    "rows_written": plan.report.rows_written,
                    "corrections_kept": len(plan.report.conflicts),
                    "corrections_settled": len(plan.report.settled),
                },
            )
    except IntegrityError as exc:
        raise RosterFileError(
            _(
                "l'import contredit des données déjà enregistrées (%(error)s) ; rien n'a été "
                "enregistré"
            )
            % {"error": str(exc).splitlines()[0][:200]}
        ) from exc
    plan.report.applied = True
    return plan.report
