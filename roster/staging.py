"""Uploaded roster files waiting between the dry run and its application.

They are kept under ``VAR_DIR/imports/<random id>/`` (a volume shared by the web processes in
docker-compose), and deleted once applied or replaced.
"""

from __future__ import annotations

import secrets
import shutil
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
