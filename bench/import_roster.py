"""Roster import speed: a generated SIECLE roster of 20,000 students and 35,000 guardians.

Figures, on the database named by ``DATABASE_URL`` (PostgreSQL for the issue's note):

- first import: rows per second (students + guardians + links written), wall time;
- the same files again: wall time and rows written (target: zero);
- bounds measured in the same run: parsing the two files alone (the floor of any import), and
  a plain ``bulk_create`` of the same rows (the floor of the first import's writes). The ratios
  say what planning and checking cost on top.

Run::

    psql -h 127.0.0.1 -U postgres -c 'create database educonnect_import'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/educonnect_import \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/educonnect_import \\
        .venv/bin/python bench/import_roster.py [--students 20000] [--guardians 35000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educonnect.settings")
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
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--guardians", type=int, default=35_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.imports import roster_import
    from accounts.imports.service import parse_roster_files
    from accounts.models import Establishment, Guardian, Guardianship, Student
    from accounts.uai import uai_check_letter

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
    size_mb = sum(len(data) for _, data in files) / 1e6
    engine = connection.vendor

    started = time.perf_counter()
    parsed = parse_roster_files(establishment=establishment, files=files)
    parse_seconds = time.perf_counter() - started
    links = sum(len(p.links) for p in parsed)

    started = time.perf_counter()
    first = roster_import(establishment=establishment, files=files, apply=True)
    first_seconds = time.perf_counter() - started

    statements: list[str] = []

    def count_writes(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        if _WRITE.match(sql):
            statements.append(sql)
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count_writes):
        again = roster_import(establishment=establishment, files=files, apply=True)
    again_seconds = time.perf_counter() - started

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
        f"counted, {len(statements)} write statements"
    )
    print(
        "ratio first import / (parse + bulk_create): "
        f"{first_seconds / (parse_seconds + bulk_seconds):.2f}"
    )
    print(f"ratio re-import / parse:                    {again_seconds / parse_seconds:.2f}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
