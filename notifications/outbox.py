"""The embedded outbox: what a developer or a test reads instead of a phone or a mailbox.

``$OUTBOX_DIR/sms.jsonl`` holds one JSON object per SMS (``to`` in E.164, ``body``,
``sent_at``); ``$OUTBOX_DIR/mail/`` holds one ``.eml`` file per e-mail. Both are fixed points
that other code and tests rely on.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def outbox_dir() -> Path:
    return Path(settings.OUTBOX_DIR)


def sms_path() -> Path:
    return outbox_dir() / "sms.jsonl"


def mail_dir() -> Path:
    return outbox_dir() / "mail"


def append_sms(*, to: str, body: str, sent_at: datetime | None = None) -> None:
    path = sms_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {"to": to, "body": body, "sent_at": (sent_at or timezone.now()).isoformat()},
        ensure_ascii=False,
    )
    # One write() of a whole line in append mode: concurrent writers do not interleave lines.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def read_sms() -> list[dict[str, str]]:
    path = sms_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_mail(message_bytes: bytes) -> Path:
    directory = mail_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    path = directory / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(message_bytes)
    return path


def read_mail() -> list[Path]:
    directory = mail_dir()
    return sorted(directory.glob("*.eml")) if directory.exists() else []
