"""The login and the password-reset request with 10,000 and with 1,000,000 accounts in
PostgreSQL: the same query plans, the same time.

Seeds parents in bulk (``INSERT … SELECT … FROM generate_series``, copying one account and one
guardian row made through the ORM, so every column has a value the model accepts), runs the
real code of the login's lookup (``authenticate``, whose SQL is captured; the argon2 verify is
left out of the timings) and of the worker's side of a reset request
(``password_reset_deliver``, the lookup, the school-declared mobiles, the code quotas, the
budgets, the code and the notification written, rolled back), then ``EXPLAIN ANALYZE``\\s every
SELECT they sent and prints its plan's shape (the index each scan uses) and execution time,
median over ``--samples`` accounts drawn across the table. At 10,000 then, after adding
990,000 more and ``ANALYZE``, at 1,000,000.

Run (creates and drops ``<name>_bench_scale``; about 2 minutes)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/scale.py [--small 10000] [--large 1000000] [--samples 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402 - next to this script
import peer  # noqa: E402 - database helpers

SCRIPT = r"""
import json, re, statistics, sys, time
from django.contrib.auth import authenticate
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from accounts.models import Establishment, Guardian, User
from core.uai import uai_check_letter
from recovery.deliveries.password_reset import password_reset_deliver

small, large, samples = (int(a) for a in sys.argv[1:4])
school = Establishment.objects.create(uai="0931234" + uai_check_letter("0931234"), name="Banc")
template = User.objects.create_user("camille.scale0", "Cartable-Bleu-2026", kind="parent",
                                    first_name="Camille", last_name="Scale",
                                    activated_at=timezone.now())
Guardian.objects.create(establishment=school, external_id="0", last_name="SCALE",
                        first_name="Camille", mobile="+33610000000", account=template)


def columns(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                       "AND column_name <> 'id' ORDER BY ordinal_position", [table])
        return [row[0] for row in cursor.fetchall()]


def seed(first, last):
    started = time.perf_counter()
    user_cols = columns("accounts_user")
    chosen = {"identifier": "'camille.scale' || g"}
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO accounts_user ({', '.join(user_cols)}) SELECT "
            + ", ".join(chosen.get(c, f"t.{c}") for c in user_cols)
            + " FROM accounts_user t, generate_series(%s, %s) g WHERE t.id = %s",
            [first, last, template.pk])
        guardian_cols = columns("accounts_guardian")
        chosen = {"external_id": "u.id::text", "mobile": "'+336' || (10000000 + u.id)",
                  "account_id": "u.id"}
        cursor.execute(
            f"INSERT INTO accounts_guardian ({', '.join(guardian_cols)}) SELECT "
            + ", ".join(chosen.get(c, f"t.{c}") for c in guardian_cols)
            + " FROM accounts_guardian t, accounts_user u WHERE t.account_id = %s AND u.id > %s",
            [template.pk, template.pk + first - 1])
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def plan_shape(plan):
    node = plan["Node Type"]
    if "Index Name" in plan:
        node += f" {plan['Index Name']}"
    elif node == "Seq Scan":
        node += f" {plan.get('Relation Name', '')}"
    return "[" + ", ".join([node] + [plan_shape(p) for p in plan.get("Plans", [])]) + "]"


def explained(queries):
    out = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            result = cursor.fetchone()[0]
            result = json.loads(result) if isinstance(result, str) else result
            out.append((re.sub(r"\s+", " ", sql)[:90], plan_shape(result[0]["Plan"]),
                        result[0]["Execution Time"]))
    return out


def login(identifier):
    with CaptureQueriesContext(connection) as queries:
        assert authenticate(None, identifier=identifier, password="Cartable-Bleu-2026")
    return [q for q in queries.captured_queries]


def reset(identifier):
    with CaptureQueriesContext(connection) as queries:
        with transaction.atomic():
            assert password_reset_deliver(identifier=identifier, channel="sms")
            transaction.set_rollback(True)
    return [q for q in queries.captured_queries]


def measure(count):
    step = max(count // samples, 1)
    identifiers = [f"camille.scale{n}" for n in range(step // 2 or 1, count + 1, step)][:samples]
    reset(identifiers[0])  # the first message after a cache flush recounts the budget
    report = {}
    for label, run in (("login", login), ("reset request (worker side)", reset)):
        per_query = {}
        wall = []
        for identifier in identifiers:
            started = time.perf_counter()
            captured = run(identifier)
            wall.append(time.perf_counter() - started)
            for n, (sql, shape, ms) in enumerate(explained(captured)):
                per_query.setdefault(n, (sql, shape, []))[2].append(ms)
        report[label] = (statistics.median(wall) * 1000, per_query)
    return report


results = {}
seeded = seed(1, small)
print(f"seeded {small:,} accounts in {seeded:.1f} s", flush=True)
results[small] = measure(small)
seeded = seed(small + 1, large)
print(f"seeded {large - small:,} more in {seeded:.1f} s", flush=True)
results[large] = measure(large)
print(json.dumps({str(k): v for k, v in results.items()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--database", default="", help="default <DATABASE_URL name>_bench_scale")
    args = parser.parse_args()
    base, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not base.startswith(("postgres://", "postgresql://")) or not redis_url:
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    name = args.database or f"{(base.rsplit('/', 1)[-1] or 'postgres')}_bench_scale"
    url = peer.fresh(base, name)
    redis.Redis.from_url(redis_url).flushdb()
    env = harness.production_env(url, REDIS_URL=redis_url, SMS_BUDGET_GLOBAL_PER_HOUR="10000000")
    env.pop("RATE_LIMITS", None)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=harness.ROOT, env=env, check=True
        )
        done = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()\n" + SCRIPT]
            + [str(args.small), str(args.large), str(args.samples)],
            cwd=harness.ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        peer.drop(base, name)
    lines = done.stdout.strip().splitlines()
    print("\n".join(lines[:-1]))
    results = json.loads(lines[-1])
    small, large = results[str(args.small)], results[str(args.large)]
    for label in small:
        wall_small, queries_small = small[label]
        wall_large, queries_large = large[label]
        print(
            f"\n{label}: {wall_small:.2f} ms at {args.small:,}, {wall_large:.2f} ms at "
            f"{args.large:,} (median of the whole step, Python included"
            f"{', argon2 verify included' if label == 'login' else ''})"
        )
        for key, (sql, shape, times) in queries_small.items():
            other = queries_large.get(key)
            same = other is not None and other[1] == shape
            large_ms = statistics.median(other[2]) if other else float("nan")
            print(
                f"  {sql}\n    plan {shape}{'' if same else ' → ' + (other[1] if other else '?')}"
                f"\n    execution {statistics.median(times):.3f} ms → {large_ms:.3f} ms"
                f"{'' if same else '  PLAN CHANGED'}"
            )
    print(
        "summary: scale (10k → 1M accounts)   "
        + ", ".join(
            f"{label.split(' ')[0]} {small[label][0]:.1f} → {large[label][0]:.1f} ms"
            for label in small
        )
    )


if __name__ == "__main__":
    main()
