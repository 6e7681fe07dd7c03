"""Forced password renewal campaigns: who they concern, starting one, and its progress.

An académie administrator asks that every account of some establishments (or all) whose
password was last set before a date set a new one at next login (after the stolen
student accounts of March 2024, EduConnect did this for every account not changed since 26
March). The accounts are marked in one UPDATE, whatever their number; the login then goes
through the forced change temporary passwords already use (accounts/middleware.py).

An account belongs to the last campaign that marked it: a later campaign that concerns it
again takes it over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.events import EventType
from accounts.models import Establishment, Guardian, Student, User
from accounts.sessions import sessions_end_all
from console.models import RenewalCampaign
from core.http import RequestFacts
from identity.backchannel import Reason, logout_everywhere_all

Kinds = RenewalCampaign.Kinds


@dataclass(frozen=True)
class EstablishmentProgress:
    """One establishment's accounts in a campaign (or a preview: all of them ``to_change``).
    ``establishment`` is None for accounts tied to no establishment (académie-wide only)."""

    establishment: Establishment | None
    to_change: int
    changed: int

    @property
    def total(self) -> int:
        return self.to_change + self.changed


def concerned_accounts(
    *,
    establishments: Sequence[Establishment] | None,
    kinds: str,
    cutoff_at: dt.datetime,
) -> QuerySet[User]:
    """The accounts a campaign over ``establishments`` (None: the whole académie) would mark.

    Subqueries rather than joins: the queryset updates as a single-table UPDATE and counts
    each parent once, however many schools declared them."""
    schools = None if establishments is None else [school.pk for school in establishments]
    wanted = Q(pk__in=[])
    if kinds in (Kinds.STUDENTS, Kinds.BOTH):
        students = Q(kind=User.Kind.STUDENT)
        if schools is not None:
            students &= Q(student__in=Student.objects.filter(establishment__in=schools))
        wanted |= students
    if kinds in (Kinds.PARENTS, Kinds.BOTH):
        parents = Q(kind=User.Kind.PARENT)
        if schools is not None:
            parents &= Q(
                Exists(Guardian.objects.filter(account=OuterRef("pk"), establishment__in=schools))
            )
        wanted |= parents
    return User.objects.filter(wanted, password_changed_at__lt=cutoff_at)


def campaign_start(
    *,
    actor: User,
    establishments: Sequence[Establishment] | None,
    kinds: str,
    cutoff_at: dt.datetime,
    ends_sessions: bool,
    facts: RequestFacts,
) -> RenewalCampaign:
    """Record the campaign and mark its accounts (one UPDATE); optionally end their sessions.

    Académie level only: a school's head cannot force a renewal on another school's parents,
    who may be the same people."""
    if not actor.is_superuser:
        raise PermissionDenied
    with transaction.atomic():
        campaign = RenewalCampaign.objects.create(
            started_by=actor,
            started_at=timezone.now(),
            is_academie_wide=establishments is None,
            kinds=kinds,
            cutoff_at=cutoff_at,
            ends_sessions=ends_sessions,
        )
        if establishments is not None:
            campaign.establishments.set(establishments)
        campaign.marked_count = concerned_accounts(
            establishments=establishments, kinds=kinds, cutoff_at=cutoff_at
        ).update(must_change_password=True, renewal_campaign=campaign)
        if ends_sessions:
            concerned = User.objects.filter(renewal_campaign=campaign)
            campaign.ended_sessions_count = sessions_end_all(users=concerned)
            logout_everywhere_all(concerned, Reason.RENEWAL_CAMPAIGN)  # the services' sessions
        campaign.save(update_fields=["marked_count", "ended_sessions_count"])
        audit_event_record(
            event_type=EventType.RENEWAL_CAMPAIGN_STARTED,
            actor=actor,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={
                "campaign": campaign.pk,
                "establishments": (
                    "all" if establishments is None else [s.uai for s in establishments]
                ),
                "kinds": kinds,
                "cutoff_at": cutoff_at.isoformat(),
                "marked": campaign.marked_count,
                "ended_sessions": campaign.ended_sessions_count,
            },
        )
    return campaign


def preview(
    *,
    establishments: Sequence[Establishment] | None,
    kinds: str,
    cutoff_at: dt.datetime,
) -> tuple[int, list[EstablishmentProgress]]:
    """How many accounts a campaign would mark now, in all and per establishment (each row's
    ``total``; a parent of two schools counts in both rows, once in all)."""
    total = concerned_accounts(
        establishments=establishments, kinds=kinds, cutoff_at=cutoff_at
    ).count()
    rows = per_establishment(
        accounts={"password_changed_at__lt": cutoff_at},
        kinds=kinds,
        establishments=establishments,
    )
    return total, rows


def progress(
    campaign: RenewalCampaign,
) -> tuple[EstablishmentProgress, list[EstablishmentProgress]]:
    """Changed and still to change: in all, and per establishment of the campaign.

    Still to change: the account still must change its password (a temporary password the
    secretariat sets meanwhile keeps it there); changed: it has set its own since."""
    totals = User.objects.filter(renewal_campaign=campaign).aggregate(
        to_change=Count("pk", filter=Q(must_change_password=True)),
        changed=Count("pk", filter=Q(must_change_password=False)),
    )
    rows = per_establishment(
        accounts={"renewal_campaign": campaign},
        kinds=campaign.kinds,
        establishments=None if campaign.is_academie_wide else list(campaign.establishments.all()),
    )
    return EstablishmentProgress(None, totals["to_change"], totals["changed"]), rows


def per_establishment(
    *,
    accounts: dict[str, object],
    kinds: str,
    establishments: Sequence[Establishment] | None,
) -> list[EstablishmentProgress]:
    """Count the accounts matching the ``accounts`` lookups by the establishment of the student,
    or of each record of the parent (a parent of two schools counts in both), within
    ``establishments`` (None: all, and the accounts tied to none in a row of their own).

    Plain joins grouped by establishment, one query per kind: the planner reads each table
    once whatever the number of accounts."""
    schools = None if establishments is None else [school.pk for school in establishments]
    counts: dict[int | None, list[int]] = {}
    if kinds in (Kinds.STUDENTS, Kinds.BOTH):
        students = User.objects.filter(kind=User.Kind.STUDENT, student__isnull=False, **accounts)
        if schools is not None:
            students = students.filter(student__establishment__in=schools)
        for row in students.values("student__establishment").annotate(
            to_change=Count("pk", filter=Q(must_change_password=True)),
            changed=Count("pk", filter=Q(must_change_password=False)),
        ):
            _add(counts, row["student__establishment"], row["to_change"], row["changed"])
    if kinds in (Kinds.PARENTS, Kinds.BOTH):
        on_account = {f"account__{lookup}": value for lookup, value in accounts.items()}
        guardians = Guardian.objects.filter(account__kind=User.Kind.PARENT, **on_account)
        if schools is not None:
            guardians = guardians.filter(establishment__in=schools)
        for row in guardians.values("establishment").annotate(
            to_change=Count("account", filter=Q(account__must_change_password=True), distinct=True),
            changed=Count("account", filter=Q(account__must_change_password=False), distinct=True),
        ):
            _add(counts, row["establishment"], row["to_change"], row["changed"])
    if schools is None:
        _add_unattached(counts, accounts=accounts, kinds=kinds)
    names = Establishment.objects.in_bulk([pk for pk in counts if pk is not None])
    rows = [
        EstablishmentProgress(names[pk] if pk is not None else None, *pair)
        for pk, pair in counts.items()
    ]
    return sorted(rows, key=lambda row: (row.establishment is None, str(row.establishment)))


def _add_unattached(
    counts: dict[int | None, list[int]], *, accounts: dict[str, object], kinds: str
) -> None:
    """Académie-wide only: students tied to no student record, parents to no guardian one."""
    unattached = Q(pk__in=[])
    if kinds in (Kinds.STUDENTS, Kinds.BOTH):
        unattached |= Q(kind=User.Kind.STUDENT, student__isnull=True)
    if kinds in (Kinds.PARENTS, Kinds.BOTH):
        no_record = ~Exists(Guardian.objects.filter(account=OuterRef("pk")))
        unattached |= Q(no_record, kind=User.Kind.PARENT)
    found = User.objects.filter(unattached, **accounts).aggregate(
        to_change=Count("pk", filter=Q(must_change_password=True)),
        changed=Count("pk", filter=Q(must_change_password=False)),
    )
    if found["to_change"] or found["changed"]:
        _add(counts, None, found["to_change"], found["changed"])


def _add(counts: dict[int | None, list[int]], pk: int | None, to_change: int, changed: int) -> None:
    pair = counts.setdefault(pk, [0, 0])
    pair[0] += to_change
    pair[1] += changed
