"""Staff invitations: the only way into enrolling a second factor, given out of band.

An invitation is a single-use link valid 72 hours, sent to the staff member's own address or
printed by the administrator who created them. The token carries 256 random bits and only its
HMAC keyed with ``SECRET_KEY`` is stored (``core.crypto``, checked under the fallback keys
too), as recovery's codes are. A newer invitation revokes every older one of the same person.
Nothing here sends: the console's services (``console.staff``) tell the person.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db.models import QuerySet

from accounts.models import StaffInvitation, User
from core.crypto import keyed_digest, keyed_digests

# 72 hours: what the invitation e-mail and the console announce.
INVITATION_LIFETIME = timedelta(hours=72)
HASH_PURPOSE = "educonnect.accounts.staff_invitation"
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 100  # the ``<token:…>`` path converter's bound


def lifetime_hours() -> int:
    return int(INVITATION_LIFETIME.total_seconds() // 3600)


def new_invitation_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def invitation_issue(
    *,
    user: User,
    created_by: User | None,
    email: str,
    now: datetime,
    token: str | None = None,
) -> tuple[StaffInvitation, str]:
    """Store the hash of a new invitation for ``user`` and revoke the live older ones; return
    the row and the token, which exists nowhere else and must be sent or shown at once.

    ``email`` is where the link is sent ("" when it is only printed): changing the person's
    address kills the link (a link is bound to its destination). ``token`` is only
    for the demo data, which prints the same link on every run.
    """
    token = token or new_invitation_token()
    invitations_revoke(user=user, now=now)
    invitation = StaffInvitation.objects.create(
        user=user,
        created_by=created_by,
        email=email,
        token_hash=keyed_digest(token, purpose=HASH_PURPOSE),
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    return invitation, token


def invitations_revoke(*, user: User, now: datetime) -> int:
    """End every live invitation of ``user`` (a newer one, a deactivation)."""
    return live_invitations(user=user, now=now).update(revoked_at=now)


def live_invitations(*, user: User, now: datetime) -> QuerySet[StaffInvitation]:
    return StaffInvitation.objects.filter(
        user=user, consumed_at=None, revoked_at=None, expires_at__gt=now
    )


def invitation_lookup(
    token: str, *, now: datetime, for_update: bool = False
) -> StaffInvitation | None:
    """The live invitation ``token`` opens, or None: unknown, used, revoked, expired, for an
    account that is no longer active staff, or sent to an address the account no longer has.

    The row is found by its keyed hash: without ``SECRET_KEY`` the time a lookup takes says
    nothing about the token. ``for_update`` locks it, so that two confirmations racing on one
    link use it once.
    """
    if not token:
        return None
    digests = keyed_digests(token[:TOKEN_MAX_LENGTH], purpose=HASH_PURPOSE)
    rows = (
        StaffInvitation.objects.filter(token_hash__in=digests)
        .select_related("user")
        .order_by("-created_at")
    )
    if for_update:
        rows = rows.select_for_update(of=("self",))
    invitation = rows.first()
    if invitation is None or not invitation.is_live(now):
        return None
    user = invitation.user
    if not (user.is_active and (user.is_staff or user.kind == User.Kind.STAFF)):
        return None
    if invitation.email and invitation.email != user.email:
        return None
    return invitation


def invitation_consume(*, invitation: StaffInvitation, now: datetime) -> None:
    invitation.consumed_at = now
    invitation.save(update_fields=["consumed_at"])
