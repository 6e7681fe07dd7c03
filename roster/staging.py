"""Uploaded roster files waiting between the dry run and its application.

They are kept under ``VAR_DIR/imports/<random id>/`` (a volume shared by the web processes in
docker-compose), and deleted once applied or replaced; a stage never applied (the dry run
read, the page closed) is deleted by beat after ``ROSTER_STAGE_MAX_AGE_SECONDS``
(``roster.purge_stale_stages``).
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

from django.conf import settings


def _import_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def stage_files(files: list[tuple[str, bytes]]) -> str:
    """Keep ``files`` (name, content) under a new random id, returned."""
    token = secrets.token_hex(16)
    directory = _import_dir() / token
    directory.mkdir(parents=True, exist_ok=True)
    for index, (name, data) in enumerate(files):
        (directory / f"{index}-{Path(name).name[:100]}").write_bytes(data)
    return token


def staged_files(token: str) -> list[tuple[str, bytes]]:
    """The files kept under ``token``, or nothing for an unknown or malformed id."""
    directory = _import_dir() / token
    if not token.isalnum() or not directory.is_dir():
        return []
    return [(path.name.split("-", 1)[1], path.read_bytes()) for path in sorted(directory.iterdir())]


def stage_discard(token: str) -> None:
    if token.isalnum():
        shutil.rmtree(_import_dir() / token, ignore_errors=True)


def purge_stale(max_age_seconds: int | None = None, *, now: float | None = None) -> int:
    """Delete the stages older than ``max_age_seconds`` (the setting by default); count them."""
    age = settings.ROSTER_STAGE_MAX_AGE_SECONDS if max_age_seconds is None else max_age_seconds
    cutoff = (time.time() if now is None else now) - age
    root = _import_dir()
    if not root.is_dir():
        return 0
    purged = 0
    for directory in root.iterdir():
        if directory.is_dir() and directory.name.isalnum() and directory.stat().st_mtime < cutoff:
            shutil.rmtree(directory, ignore_errors=True)
            purged += 1
    return purged
