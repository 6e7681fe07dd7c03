"""The one place for code and link policy: generation, hashing, lifetimes, quotas, issuing.

Codes are 6 digits from ``secrets``; link tokens carry 256 random bits. Only an HMAC keyed with
``SECRET_KEY`` is stored (``core.crypto``, which also checks under ``SECRET_KEY_FALLBACKS`` so a
key rotation does not kill live codes): a plain hash of a 6-digit code would fall to a million
guesses, a keyed one does not without the key. Comparisons are constant-time.

Every lifetime people are told about is a constant here, and the pages and messages show that
constant (``lifetimes()``), never a number typed into a sentence.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core import metrics
from core.channels import Channel
from core.crypto import keyed_digest, keyed_digests
from core.fields import CODE_DIGITS
from recovery.errors import CodeExpired, CodeUsed
from recovery.models import VerificationCode

HASH_PURPOSE = "educonnect.recovery.codes"
# How many recent codes a typed code is compared with, to tell "replaced" from "wrong".
RECENT_CODES = 5

CODE_LIFETIME = timedelta(minutes=30)  # an SMS code or a reset link: what the SMS announces
EMAIL_LINK_LIFETIME = timedelta(hours=24)  # the e-mail verification link of Mon compte
MAX_ATTEMPTS = 5
TOKEN_BYTES = 32
LINK_TOKEN_MIN_LENGTH = 40  # token_urlsafe(32) gives 43 characters
# Sending limits (per account, or per number before an account exists): a resend waits a
# minute, and at most 3 codes or links an hour and 10 a day, whatever the channel.
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 3
MAX_CODES_PER_DAY = 10
# Why a new code is refused (``quota_refusal``), as the journal tells the secretariat.
COOLDOWN = "cooldown"
HOURLY_QUOTA = "hourly_quota"
DAILY_QUOTA = "daily_quota"


def lifetimes() -> dict[str, int]:
    """The lifetimes as people are told them, for templates and messages."""
    return {
        "code_minutes": int(CODE_LIFETIME.total_seconds() // 60),
        "email_link_hours": int(EMAIL_LINK_LIFETIME.total_seconds() // 3600),
    }


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_link_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_secret(secret: str) -> str:
    """The stored form of a code or token (current key)."""
    return keyed_digest(secret, purpose=HASH_PURPOSE)


def _legacy_hash(secret: str) -> str:
    """The first version's HMAC (its key a plain SHA-256 of the secret key): a code sent just
    before an upgrade still works after it, for the rest of its lifetime."""
    key = hashlib.sha256(b"educonnect.recovery.codes:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def secret_hashes(secret: str) -> list[str]:
    """Every form a live code or token may be stored under (current and fallback keys)."""
    return [*keyed_digests(secret, purpose=HASH_PURPOSE), _legacy_hash(secret)]


def matches(code: VerificationCode, candidate: str) -> bool:
    found = False
    for digest in secret_hashes(candidate):
        found |= hmac.compare_digest(code.secret_hash, digest)
    return found


def _count_refusal(sent_at: list[datetime], *, now: datetime) -> str | None:
    """The count a new code would go over (HOURLY_QUOTA, DAILY_QUOTA), or None."""
    if len([at for at in sent_at if at >= now - timedelta(hours=1)]) >= MAX_CODES_PER_HOUR:
        return HOURLY_QUOTA
    if len([at for at in sent_at if at >= now - timedelta(days=1)]) >= MAX_CODES_PER_DAY:
        return DAILY_QUOTA
    return None


def within_quota(sent_at: Iterable[datetime], *, now: datetime) -> bool:
    """The one quota rule: the cool-down since the latest, then the hourly and daily counts."""
    sent = list(sent_at)
    if sent and now - max(sent) < RESEND_COOLDOWN:
        return False
    return _count_refusal(sent, now=now) is None


def quota_refusal(*, user_id: int, purpose: str, destination: str, now: datetime) -> str | None:
    """Why ``user_id`` may not get a new code for ``purpose`` sent to ``destination``
    (COOLDOWN, HOURLY_QUOTA, DAILY_QUOTA), or None when it may.

    The cool-down keys on the account *and* the destination, so a number the school has just
    corrected gets its code at once; the hourly and daily quotas count the account's codes to
    every destination."""
    rows = list(
        VerificationCode.objects.filter(
            user_id=user_id, purpose=purpose, created_at__gte=now - timedelta(days=1)
        ).values_list("created_at", "destination")
    )
    to_here = [at for at, where in rows if where == destination]
    if to_here and now - max(to_here) < RESEND_COOLDOWN:
        return COOLDOWN
    return _count_refusal([at for at, _where in rows], now=now)


def may_issue(*, user_id: int, purpose: str, destination: str, now: datetime) -> bool:
    """Whether ``user_id`` may get a new code for ``purpose`` sent to ``destination``."""
    refusal = quota_refusal(user_id=user_id, purpose=purpose, destination=destination, now=now)
    return refusal is None


def code_issue(
    *,
    purpose: str,
    channel: Channel | str,
    destination: str,
    user_id: int | None,
    secret: str,
    now: datetime,
    lifetime: timedelta = CODE_LIFETIME,
) -> VerificationCode:
    """Store the hash of a new code or token; it supersedes every live one for this purpose
    (of this account, or of this destination when there is no account yet)."""
    live = VerificationCode.objects.filter(purpose=purpose, consumed_at=None)
    if user_id is None:
        live = live.filter(user=None, destination=destination)
    else:
        live = live.filter(user_id=user_id)
    live.update(consumed_at=now)
    metrics.count(metrics.CODES_ISSUED, channel=str(channel), purpose=str(purpose))
    return VerificationCode.objects.create(
        purpose=purpose,
        channel=channel,
        destination=destination,
        user_id=user_id,
        secret_hash=hash_secret(secret),
        expires_at=now + lifetime,
    )


def codes_kill(*, codes: QuerySet[VerificationCode], now: datetime) -> int:
    """Make live codes and links unusable (a destination changed, a password set elsewhere)."""
    return codes.filter(consumed_at=None).update(consumed_at=now)


def email_links_kill(*, user_id: int, now: datetime) -> int:
    """Kill the account's live reset links sent by e-mail: its verified address changed.

    A reset link by e-mail goes only to the verified address (``recovery.channels``), so once
    that address is replaced or no longer verified every live one went to an address that no
    longer proves the account; a changed address is a new authenticator (NIST SP 800-63B), as
    a changed mobile is for the codes it received."""
    return codes_kill(
        codes=VerificationCode.objects.filter(
            user_id=user_id, purpose=VerificationCode.Purpose.PASSWORD_RESET, channel=Channel.EMAIL
        ),
        now=now,
    )


def recent_codes(candidates: QuerySet[VerificationCode]) -> list[VerificationCode]:
    return list(candidates.order_by("-created_at", "-pk")[:RECENT_CODES])


def code_redeem(
    recent: list[VerificationCode], typed: str, *, now: datetime
) -> VerificationCode | None:
    """Use the code ``typed`` if it is one of ``recent``, live and not out of tries.

    The try is counted on the live code *before* anything is compared, by one conditional
    UPDATE (``attempts < MAX_ATTEMPTS``): parallel guesses each take a try or find none left,
    so a code is compared at most ``MAX_ATTEMPTS`` times, however many requests arrive at once.
    A code out of tries is not compared: it answers as a wrong one. When there is no live code
    the same UPDATE runs (on no row), so an unknown account costs the same.

    Returns the used row, or None for a wrong code. A code that was already used or replaced
    raises CodeUsed, an expired one CodeExpired: the person is told what happened instead of
    "wrong code". The conditional claim makes a double submit of the same code succeed once.
    """
    live = next((row for row in recent if not row.is_consumed), None)
    counted = VerificationCode.objects.filter(
        pk=live.pk if live is not None else 0, consumed_at=None, attempts__lt=MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    for row in recent:
        if row is live and not counted:
            continue  # out of tries: never compared
        if not matches(row, typed):
            continue
        if row.is_consumed:
            raise CodeUsed
        if row.is_expired(now):
            raise CodeExpired
        claimed = VerificationCode.objects.filter(pk=row.pk, consumed_at=None).update(
            consumed_at=now
        )
        if not claimed:
            raise CodeUsed
        return row
    return None


def link_lookup(*, purpose: str, token: str) -> VerificationCode | None:
    """The row of a link token (any key it may be stored under), live or not."""
    return (
        VerificationCode.objects.filter(purpose=purpose, secret_hash__in=secret_hashes(token))
        .select_related("user")
        .first()
    )


def purge_expired(now: datetime | None = None) -> int:
    """Delete codes that can no longer be used (expired, used or out of tries) for a day."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    dead = Q(expires_at__lt=cutoff) | Q(consumed_at__lt=cutoff)
    deleted, _ = VerificationCode.objects.filter(dead).delete()
    return deleted
