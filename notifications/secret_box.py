"""Encrypting a queued message, codes and link tokens included, until it is sent.

The row keeps them encrypted (Fernet, a key derived from ``SECRET_KEY``) so a worker, a retry or
the beat re-enqueuer can render the real message, while a database dump, the admin and the logs
only ever see the redacted body. The payload is wiped once the message is final.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_CONTEXT = b"educonnect.notifications.secret_box.v1"


def _fernet() -> Fernet:
    digest = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(secrets: dict[str, str]) -> str:
    if not secrets:
        return ""
    return _fernet().encrypt(json.dumps(secrets).encode()).decode()


def unseal(payload: str) -> dict[str, str] | None:
    """The secrets, or None when they were wiped or cannot be read (key changed)."""
    if not payload:
        return None
    try:
        secrets: dict[str, str] = json.loads(_fernet().decrypt(payload.encode()))
    except (InvalidToken, ValueError):
        return None
    return secrets
