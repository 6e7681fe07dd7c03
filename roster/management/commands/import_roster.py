"""``manage.py import_roster --uai 0750654D [--dry-run] FILE [FILE…]``: import a school's roster.

Prints the dry-run report (counts, every rejected row and warning), then applies it in one
transaction unless ``--dry-run``. A corrupt, unsafe or foreign file stops everything with a
French message and exit status 1; nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Establishment
from core.uai import normalize_uai
from roster.imports import RosterFileError, roster_import


class Command(BaseCommand):
    help = (
        "Importe l'annuaire d'un établissement : exports SIECLE BEE (XML ou ZIP) "
        "ou fichiers CSV (docs/IMPORT.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--uai", required=True, help="code UAI de l'établissement")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="afficher ce que l'import ferait, sans rien enregistrer",
        )
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        uai = normalize_uai(options["uai"])
        establishment = Establishment.objects.filter(uai=uai).first()
        if establishment is None:
            raise CommandError(f"Établissement {uai} inconnu.")
        files = []
        for path in map(Path, options["files"]):
            try:
                files.append((path.name, path.read_bytes()))
            except OSError as exc:
                raise CommandError(f"{path} : lecture impossible ({exc.strerror}).") from exc
        try:
            report = roster_import(
                establishment=establishment, files=files, apply=not options["dry_run"]
            )
        except RosterFileError as exc:
            raise CommandError(f"Import refusé, rien n'a été enregistré. {exc}") from exc
        self.stdout.write(report.as_text())
