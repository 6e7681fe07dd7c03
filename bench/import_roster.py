"""Roster import speed: a generated SIECLE roster of 100,000 students and 180,000 guardians.

Figures, on a fresh PostgreSQL database ``<DATABASE_URL name>_bench_import`` (dropped at the end):

- first import: rows per second (students + guardians + links written), wall time;
- the same files again: wall time and rows written (target: zero), counted three ways: the
  import's own report, the INSERT/UPDATE/DELETE statements sent, and PostgreSQL's own
  counters (``pg_stat_user_tables``: rows inserted, updated, deleted);
- bounds measured in the same run: parsing the two files alone (the floor of any import), and
  a plain ``bulk_create`` of the same rows (the floor of the first import's writes). The ratios
  say what planning and checking cost on top.

Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/import_roster.py [--students 100000] [--guardians 180000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educonnect.settings")
import harness  # noqa: E402 - next to this script

os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="bench-import-"))

BENCH_UAI_DIGITS = "0931234"
FIRST = ["Léa", "Hugo", "Chloé", "Noël", "Inès", "Zoé", "Éloïse", "Théo", "Maëlle", "Jérôme"]
LAST = ["DUPONT", "LEFÈVRE", "BŒUF", "MARTIN", "GIRARD", "NGUYEN", "BENALI", "MOREAU"]
_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def write_roster(directory: Path, uai: str, students: int, guardians: int) -> tuple[Path, Path]:
    """Two BEE exports in ISO-8859-15; each student has one or two guardians (1 link each)."""
    rng = random.Random(2026)
    students_path = directory / "ElevesSansAdresses.xml"
    with students_path.open("w", encoding="iso-8859-15") as out:
        out.write('<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.1">')
        out.write(f"<PARAMETRES><UAJ>{uai}</UAJ></PARAMETRES><DONNEES><ELEVES>\n")
        for i in range(students):
            born = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(2500))
            out.write(
                f'<ELEVE ELEVE_ID="{100000 + i}"><ID_NATIONAL>{i:09d}BN</ID_NATIONAL>'
                f"<NOM_DE_FAMILLE>{rng.choice(LAST)}</NOM_DE_FAMILLE>"
                f"<PRENOM>{rng.choice(FIRST)}</PRENOM>"
                f"<DATE_NAISS>{born:%d/%m/%Y}</DATE_NAISS></ELEVE>\n"
            )
        out.write("</ELEVES><STRUCTURES>\n")
        for i in range(students):
            out.write(
                f'<STRUCTURES_ELEVE ELEVE_ID="{100000 + i}"><STRUCTURE><CODE_STRUCTURE>G{i % 7}'
                "</CODE_STRUCTURE><TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE><STRUCTURE>"
                f"<CODE_STRUCTURE>{6 - i % 4}{'ABCDEFGH'[i % 8]}</CODE_STRUCTURE>"
                "<TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>\n"
            )
        out.write("</STRUCTURES></DONNEES></BEE_ELEVES>\n")

    guardians_path = directory / "ResponsablesAvecAdresses.xml"
    with guardians_path.open("w", encoding="iso-8859-15") as out:
        out.write('<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_RESPONSABLES>')
        out.write(f"<PARAMETRES><UAJ>{uai}</UAJ></PARAMETRES><DONNEES><PERSONNES>\n")
        for j in range(guardians):
            out.write(
                f'<PERSONNE PERSONNE_ID="{500000 + j}">'
                f"<NOM_DE_FAMILLE>{rng.choice(LAST)}</NOM_DE_FAMILLE>"
                f"<PRENOM>{rng.choice(FIRST)}</PRENOM>"
                f"<TEL_PORTABLE>06 {j // 10000 % 100:02d} {j // 100 % 100:02d} {j % 100:02d} 42"
                f"</TEL_PORTABLE><MEL>parent{j}@exemple.fr</MEL>"
                f"<ACCEPTE_SMS>{j % 5 != 0:d}</ACCEPTE_SMS></PERSONNE>\n"
            )
        out.write("</PERSONNES><RESPONSABLES>\n")
        for j in range(guardians):
            out.write(
                f"<RESPONSABLE_ELEVE><ELEVE_ID>{100000 + j % students}</ELEVE_ID>"
                f"<PERSONNE_ID>{500000 + j}</PERSONNE_ID>"
                f"<NIVEAU_RESPONSABILITE>{1 if j < 2 * students else 2}</NIVEAU_RESPONSABILITE>"
                f"<CODE_PARENTE>{'10' if j < students else '20'}</CODE_PARENTE>"
                "</RESPONSABLE_ELEVE>\n"
            )
        out.write("</RESPONSABLES></DONNEES></BEE_RESPONSABLES>\n")
    return students_path, guardians_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--guardians", type=int, default=180_000)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL (PostgreSQL)")
    name, url = harness.fresh_database(base, "bench_import")
    os.environ["DATABASE_URL"] = url
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_database(base, name)


def table_writes() -> int:
    """Rows inserted + updated + deleted in this database so far, by PostgreSQL's counters.

    A backend reports its counts when it ends: the connection is closed first (Django opens a
    new one for the next query)."""
    from django.db import connection

    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
        )
        return int(cursor.fetchone()[0])


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Establishment, Guardian, Guardianship, Student
    from core.uai import uai_check_letter
    from roster.imports import roster_import
    from roster.imports.service import parse_roster_files

    call_command("migrate", verbosity=0)
    uai = BENCH_UAI_DIGITS + uai_check_letter(BENCH_UAI_DIGITS)
    establishment, _ = Establishment.objects.get_or_create(
        uai=uai, defaults={"name": "Collège du banc d'essai"}
    )
    Guardianship.objects.filter(student__establishment=establishment).delete()
    Guardian.objects.filter(establishment=establishment).delete()
    Student.objects.filter(establishment=establishment).delete()

    directory = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    paths = write_roster(directory, uai, args.students, args.guardians)
    files = [(path.name, path.read_bytes()) for path in paths]
    shutil.rmtree(directory)
    size_mb = sum(len(data) for _, data in files) / 1e6
    engine = connection.vendor

    started = time.perf_counter()
    parsed = parse_roster_files(establishment=establishment, files=files)
    parse_seconds = time.perf_counter() - started
    links = sum(len(p.links) for p in parsed)
    del parsed

    started = time.perf_counter()
    first = roster_import(establishment=establishment, files=files, apply=True)
    first_seconds = time.perf_counter() - started

    statements: list[str] = []

    def count_writes(execute, sql, params, many, context):
        if _WRITE.match(sql):
            statements.append(sql)
        return execute(sql, params, many, context)

    writes_before = table_writes()
    started = time.perf_counter()
    with connection.execute_wrapper(count_writes):
        again = roster_import(establishment=establishment, files=files, apply=True)
    again_seconds = time.perf_counter() - started
    time.sleep(0.5)
    table_rows = table_writes() - writes_before

    # Bound: the same rows written by plain bulk_create for a scratch school, rolled back.
    scratch_digits = "0931235"
    started = time.perf_counter()
    with transaction.atomic():
        scratch = Establishment.objects.create(
            uai=scratch_digits + uai_check_letter(scratch_digits), name="Brouillon"
        )
        new_students = Student.objects.bulk_create(
            [
                Student(
                    establishment=scratch,
                    external_id=str(i),
                    last_name="X",
                    first_name="Y",
                    birth_date=dt.date(2012, 1, 1),
                )
                for i in range(args.students)
            ],
            batch_size=1000,
        )
        new_guardians = Guardian.objects.bulk_create(
            [
                Guardian(establishment=scratch, external_id=str(j), last_name="X", first_name="Y")
                for j in range(args.guardians)
            ],
            batch_size=1000,
        )
        Guardianship.objects.bulk_create(
            [
                Guardianship(student=new_students[j % args.students], guardian=guardian)
                for j, guardian in enumerate(new_guardians)
            ],
            batch_size=1000,
        )
        bulk_seconds = time.perf_counter() - started
        transaction.set_rollback(True)

    rows = first.rows_written
    print(
        f"database: {engine}; files: {size_mb:.1f} MB of XML ({args.students} students, "
        f"{args.guardians} guardians, {links} links)"
    )
    print(f"parse only (bound):        {parse_seconds:6.2f} s")
    print(
        f"bulk_create only (bound):  {bulk_seconds:6.2f} s for "
        f"{args.students + 2 * args.guardians} rows"
    )
    print(
        f"first import (figure):     {first_seconds:6.2f} s, {rows} rows written, "
        f"{rows / first_seconds:,.0f} rows/s"
    )
    print(
        f"same files again (figure): {again_seconds:6.2f} s, {again.rows_written} rows "
        f"written by the import's report, {len(statements)} write statements, "
        f"{table_rows} rows by pg_stat_user_tables (target 0)"
    )
    print(
        "ratio first import / (parse + bulk_create): "
        f"{first_seconds / (parse_seconds + bulk_seconds):.2f}"
    )
    print(f"ratio re-import / parse:                    {again_seconds / parse_seconds:.2f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(
        f"summary: import, first         {rows / first_seconds:7,.0f} rows/s ({rows} rows, "
        f"{first_seconds:.1f} s); ratio to parse + bulk_create "
        f"{first_seconds / (parse_seconds + bulk_seconds):.2f}"
    )
    print(
        f"summary: import, unchanged     {again_seconds:7.1f} s, {table_rows} rows written "
        f"(target 0); ratio to parse {again_seconds / parse_seconds:.2f}"
    )


if __name__ == "__main__":
    main()
