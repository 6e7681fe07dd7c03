"""Encrypting a queued message, codes and link tokens included, until it is sent.

The row keeps them encrypted (Fernet, keys derived from ``SECRET_KEY`` and its fallbacks by
``core.crypto``) so a worker, a retry or the beat re-enqueuer can render the real message, while
a database dump, the admin and the logs only ever see the redacted body. A message queued before
a key rotation still reads (``SECRET_KEY_FALLBACKS``). The payload is wiped once the message is
final.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from core.crypto import fernet_keys

PURPOSE = "educonnect.notifications.secret_box.v2"


def _legacy_key() -> bytes:
    """The key of the first version (a plain SHA-256 of the secret key), read only: a message
    queued just before an upgrade is still sent after it."""
    seed = b"educonnect.notifications.secret_box.v1" + settings.SECRET_KEY.encode()
    digest = hashlib.sha256(seed)
    return base64.urlsafe_b64encode(digest.digest())


def _fernet() -> MultiFernet:
    keys = [*fernet_keys(purpose=PURPOSE), _legacy_key()]
    return MultiFernet([Fernet(key) for key in keys])


def seal(secrets: dict[str, str]) -> str:
    if not secrets:
        return ""
    return _fernet().encrypt(json.dumps(secrets).encode()).decode()


def unseal(payload: str) -> dict[str, str] | None:
    """The secrets, or None when they were wiped or cannot be read (an unknown key)."""
    if not payload:
        return None
    try:
        secrets: dict[str, str] = json.loads(_fernet().decrypt(payload.encode()))
    except (InvalidToken, ValueError):
        return None
    return secrets
