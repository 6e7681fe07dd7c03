"""The one place for code and token policy: generation, hashing, lifetime (DESIGN §4).

Codes are 6 digits from ``secrets``; link tokens carry 256 random bits. Only an HMAC keyed with
``SECRET_KEY`` is stored: a plain hash of a 6-digit code would fall to a million guesses, a keyed
one does not without the key. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from recovery.models import VerificationCode

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=30)  # the lifetime parents are told in the SMS
MAX_ATTEMPTS = 5
TOKEN_BYTES = 32


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_link_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_secret(secret: str) -> str:
    key = hashlib.sha256(b"educonnect.recovery.codes:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def matches(code: VerificationCode, candidate: str) -> bool:
    return hmac.compare_digest(code.secret_hash, hash_secret(candidate))


def purge_expired(now: datetime | None = None) -> int:
    """Delete codes that can no longer be used (expired, used or out of tries) for a day."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    dead = Q(expires_at__lt=cutoff) | Q(consumed_at__lt=cutoff)
    deleted, _ = VerificationCode.objects.filter(dead).delete()
    return deleted
