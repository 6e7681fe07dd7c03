"""Marking speed of a forced password renewal campaign over 100,000 accounts.

Seeds ``--accounts`` accounts (60 % students, 40 % parents, one parent in five declared by two
schools) over 20 establishments with ``bulk_create``; 70 % of them have a password set before
the cut-off date. Figures, each the median of ``--runs`` runs, the three UPDATEs interleaved
(the accounts reset in between and, on PostgreSQL, the table vacuumed, untimed):

- the preview (count in all, and per establishment);
- starting the campaign over the 20 establishments, listed (figure): the campaign row, the one
  UPDATE that marks the accounts, the audit row, in one transaction;
- bound, measured in the same run on the same rows (every account here belongs to one of the
  20): a plain ``UPDATE accounts_user SET must_change_password = true WHERE
  password_changed_at < D``, the cost of writing those rows at all, without choosing them by
  establishment and kind; and the same UPDATE also setting ``renewal_campaign`` (what
  maintaining that column's index costs);
- the progress page's counts once the campaign is started.

The ratio campaign / bound says what choosing the accounts by establishment costs on top.
The tables are analysed after seeding, as autovacuum does soon after a bulk load.

Run on a temporary SQLite (without ``DATABASE_URL``), or on PostgreSQL, where a fresh database
``<DATABASE_URL name>_bench_campaign`` is made and dropped at the end::

    env -u DATABASE_URL .venv/bin/python bench/campaign_mark.py [--accounts 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/campaign_mark.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educonnect.settings")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="bench-campaign-"))
import harness  # noqa: E402 - next to this script

SCHOOLS = 20
CUTOFF = dt.datetime(2024, 3, 26, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        run(args)
        return
    name, url = harness.fresh_database(base, "bench_campaign")
    os.environ["DATABASE_URL"] = url
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_database(base, name)


def seed(accounts: int) -> None:
    """Accounts, their students and guardians in bulk; one shared, unusable password hash (the
    benchmark times marking, not hashing)."""
    from accounts.models import Establishment, Guardian, Student, User
    from core.uai import uai_check_letter

    schools = Establishment.objects.bulk_create(
        [
            Establishment(uai=f"{digits}{uai_check_letter(digits)}", name=f"Collège n° {i:02d}")
            for i in range(SCHOOLS)
            for digits in [f"0{930000 + i:06d}"]
        ]
    )
    old, recent = CUTOFF - dt.timedelta(days=400), CUTOFF + dt.timedelta(days=30)
    students_count = accounts * 6 // 10
    students = Student.objects.bulk_create(
        [
            Student(
                establishment=schools[i % SCHOOLS],
                last_name="Dupont",
                first_name="Léa",
                birth_date=dt.date(2012, 1, 1),
            )
            for i in range(students_count)
        ],
        batch_size=2000,
    )
    users = User.objects.bulk_create(
        [
            User(
                identifier=f"compte.{i}",
                kind=User.Kind.STUDENT if i < students_count else User.Kind.PARENT,
                password="!bench",
                student=students[i] if i < students_count else None,
                password_changed_at=old if i % 10 < 7 else recent,
                activated_at=old,
            )
            for i in range(accounts)
        ],
        batch_size=2000,
    )
    parents = users[students_count:]
    Guardian.objects.bulk_create(
        [
            Guardian(
                establishment=schools[j % SCHOOLS],
                last_name="Dupont",
                first_name="P",
                account=parent,
            )
            for j, parent in enumerate(parents)
        ]
        + [
            Guardian(
                establishment=schools[(j + 1) % SCHOOLS],
                last_name="Dupont",
                first_name="P",
                account=parent,
            )
            for j, parent in enumerate(parents)
            if j % 5 == 0
        ],
        batch_size=2000,
    )


def median_seconds(runs: int, reset: Callable[[], None], work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        reset()
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Establishment, User
    from console import campaigns
    from console.models import RenewalCampaign
    from core.http import RequestFacts

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.accounts)
    seed_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:  # what autovacuum does soon after such a bulk load
        cursor.execute("ANALYZE")
    actor = User.objects.create_superuser("admin.bench1", None)
    schools = list(Establishment.objects.order_by("uai"))
    kinds = RenewalCampaign.Kinds.BOTH
    facts = RequestFacts(ip_address="127.0.0.1", user_agent="bench")

    def reset() -> None:
        """Untimed: unmark every account, then (PostgreSQL) vacuum the dead row versions the
        UPDATE left, so each run starts from the same table."""
        User.objects.update(must_change_password=False, renewal_campaign=None)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE accounts_user")

    def bound() -> int:
        return User.objects.filter(password_changed_at__lt=CUTOFF).update(must_change_password=True)

    def bound_with_campaign() -> int:
        return User.objects.filter(password_changed_at__lt=CUTOFF).update(
            must_change_password=True, renewal_campaign=scratch
        )

    def start() -> RenewalCampaign:
        return campaigns.campaign_start(
            actor=actor,
            establishments=schools,
            kinds=kinds,
            cutoff_at=CUTOFF,
            ends_sessions=False,
            facts=facts,
        )

    preview_seconds = median_seconds(
        args.runs,
        lambda: None,
        lambda: campaigns.preview(establishments=schools, kinds=kinds, cutoff_at=CUTOFF),
    )
    expected, _rows = campaigns.preview(establishments=schools, kinds=kinds, cutoff_at=CUTOFF)
    scratch = start()
    timed: dict[str, list[float]] = {"bound": [], "both": [], "start": []}
    for _ in range(args.runs):  # interleaved, so that drift and table bloat hit all three
        for name, work in (("bound", bound), ("both", bound_with_campaign), ("start", start)):
            timed[name].append(median_seconds(1, reset, work))
    bound_seconds, both_seconds, start_seconds = (
        statistics.median(timed[name]) for name in ("bound", "both", "start")
    )
    reset()
    with CaptureQueriesContext(connection) as queries:
        campaign = start()
    updates = sum(
        query["sql"].startswith('UPDATE "accounts_user"') for query in queries.captured_queries
    )
    progress_seconds = median_seconds(args.runs, lambda: None, lambda: campaigns.progress(campaign))
    assert campaign.marked_count == expected == bound(), (campaign.marked_count, expected)

    marked = campaign.marked_count
    print(
        f"database: {connection.vendor}; {args.accounts} accounts over {SCHOOLS} establishments "
        f"seeded in {seed_seconds:.1f} s; campaign over {len(schools)} of them"
    )
    print(f"preview (count + per establishment): {preview_seconds:6.3f} s, {expected} accounts")
    print(f"plain UPDATE of the old rows (bound): {bound_seconds:6.3f} s")
    print(f"same, also setting renewal_campaign:  {both_seconds:6.3f} s (its index too)")
    print(
        f"campaign start (figure):              {start_seconds:6.3f} s, {marked} accounts "
        f"marked, {updates} UPDATE on accounts_user, {len(queries.captured_queries)} statements"
    )
    print(f"progress (in all + per establishment): {progress_seconds:6.3f} s")
    print(f"ratio campaign start / plain UPDATE:   {start_seconds / bound_seconds:.2f}")
    print(
        f"summary: campaign, marking     {start_seconds:7.2f} s for {marked} of "
        f"{args.accounts} accounts ({connection.vendor}); ratio to a plain UPDATE "
        f"{start_seconds / bound_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
