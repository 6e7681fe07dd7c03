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
from django.db.models import Q, QuerySet
from django.utils import timezone

from recovery.errors import CodeExpired, CodeUsed
from recovery.models import VerificationCode

# How many recent codes a typed code is compared with, to tell "replaced" from "wrong".
RECENT_CODES = 5

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=30)  # the lifetime parents are told in the SMS
MAX_ATTEMPTS = 5
TOKEN_BYTES = 32
LINK_TOKEN_MIN_LENGTH = 40  # token_urlsafe(32) gives 43 characters
# Sending limits per account (issue 4): a resend waits a minute, and an account gets at most
# 3 codes or links an hour and 10 a day, whatever the channel.
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 3
MAX_CODES_PER_DAY = 10


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_link_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_secret(secret: str) -> str:
    key = hashlib.sha256(b"educonnect.recovery.codes:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def matches(code: VerificationCode, candidate: str) -> bool:
    return hmac.compare_digest(code.secret_hash, hash_secret(candidate))


def may_issue(*, user_id: int, purpose: str, now: datetime) -> bool:
    """Whether the cool-down and the hourly and daily quotas let ``user_id`` get a new code."""
    today = VerificationCode.objects.filter(
        user_id=user_id, purpose=purpose, created_at__gte=now - timedelta(days=1)
    )
    created = sorted(today.values_list("created_at", flat=True), reverse=True)
    if created and now - created[0] < RESEND_COOLDOWN:
        return False
    last_hour = [at for at in created if at >= now - timedelta(hours=1)]
    return len(last_hour) < MAX_CODES_PER_HOUR and len(created) < MAX_CODES_PER_DAY


def code_issue(
    *,
    purpose: str,
    channel: str,
    destination: str,
    user_id: int,
    secret: str,
    now: datetime,
) -> VerificationCode:
    """Store the hash of a new code or token; it supersedes every live one for this purpose."""
    VerificationCode.objects.filter(user_id=user_id, purpose=purpose, consumed_at=None).update(
        consumed_at=now
    )
    return VerificationCode.objects.create(
        purpose=purpose,
        channel=channel,
        destination=destination,
        user_id=user_id,
        secret_hash=hash_secret(secret),
        expires_at=now + CODE_LIFETIME,
    )


def recent_codes(candidates: QuerySet[VerificationCode]) -> list[VerificationCode]:
    return list(candidates.order_by("-created_at", "-pk")[:RECENT_CODES])


def code_redeem(
    recent: list[VerificationCode], typed: str, *, now: datetime
) -> VerificationCode | None:
    """Use the code ``typed`` if it is one of ``recent``, live and not out of tries.

    Returns the used row, or None for a wrong code (the caller counts the try). A code that was
    already used or replaced raises CodeUsed, an expired one CodeExpired: the person is told
    what happened instead of "wrong code". The conditional UPDATE makes a double submit of the
    same code succeed once.
    """
    for row in recent:
        if not matches(row, typed) or row.attempts >= MAX_ATTEMPTS:
            continue
        if row.is_consumed:
            raise CodeUsed
        if row.is_expired(now):
            raise CodeExpired
        claimed = VerificationCode.objects.filter(
            pk=row.pk, consumed_at=None, attempts__lt=MAX_ATTEMPTS
        ).update(consumed_at=now)
        if not claimed:
            raise CodeUsed
        return row
    return None


def purge_expired(now: datetime | None = None) -> int:
    """Delete codes that can no longer be used (expired, used or out of tries) for a day."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    dead = Q(expires_at__lt=cutoff) | Q(consumed_at__lt=cutoff)
    deleted, _ = VerificationCode.objects.filter(dead).delete()
    return deleted
