"""Keys derived from ``SECRET_KEY`` for one purpose each, honouring ``SECRET_KEY_FALLBACKS``.

``seal``/``unseal`` carry what a person typed (an identifier, an e-mail, a phone) through a
place that must not keep it in clear, such as the Celery broker.

Rotating the key (the new one in ``SECRET_KEY``, the old ones in ``SECRET_KEY_FALLBACKS``) must
not lose a live code or a queued message: values are written with the current key and checked
or read with each key in turn, as Django's signing does.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def keyed_digest(value: str, *, purpose: str, secret: str | None = None) -> str:
    """HMAC-SHA256 of ``value`` under a key for ``purpose`` (current key unless ``secret``)."""
    return salted_hmac(purpose, value, secret=secret, algorithm="sha256").hexdigest()


def keyed_digests(value: str, *, purpose: str) -> list[str]:
    """The digest of ``value`` under the current key, then under each fallback key."""
    return [keyed_digest(value, purpose=purpose, secret=secret) for secret in _secrets()]


def fernet_keys(*, purpose: str) -> list[bytes]:
    """Fernet keys for ``purpose``: the current one first (to encrypt), then the fallbacks."""
    return [
        base64.urlsafe_b64encode(
            salted_hmac(purpose, "fernet", secret=secret, algorithm="sha256").digest()
        )
        for secret in _secrets()
    ]


def _fernet(purpose: str) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in fernet_keys(purpose=purpose)])


def seal(value: dict[str, Any], *, purpose: str) -> str:
    """``value`` (JSON) encrypted and authenticated under a key for ``purpose``."""
    return _fernet(purpose).encrypt(json.dumps(value).encode()).decode("ascii")


def unseal(token: str, *, purpose: str) -> dict[str, Any] | None:
    """What ``seal`` encrypted, or None for anything else (tampered, another purpose or key)."""
    try:
        value = json.loads(_fernet(purpose).decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError, UnicodeError):
        return None
    return value if isinstance(value, dict) else None
