"""Delivering a back-channel logout token (worker side).

The token (OpenID Connect Back-Channel Logout 1.0 §2.4) carries ``iss``, ``aud``, ``iat``,
``exp``, ``jti``, the pairwise ``sub`` and the logout event, and never a ``nonce``; it is
signed with the current key and made at each attempt, so a retry sends a fresh ``jti``.
A service that answers 5xx or cannot be reached is retried with backoff; a 4xx is final.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import timedelta

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwt

from identity.models import BackchannelLogout, SigningKey

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
logger = logging.getLogger(__name__)


class BackchannelUnavailable(Exception):
    """The service did not answer, or answered 5xx: try again later."""


def logout_token(row: BackchannelLogout) -> str:
    key = SigningKey.objects.current()
    now = int(time.time())
    claims = {
        "iss": settings.OIDC_ISSUER,
        "aud": row.client.client_id,
        "iat": now,
        "exp": now + settings.OIDC_LOGOUT_TOKEN_SECONDS,
        "jti": uuid.uuid4().hex,
        "sub": row.subject,
        "events": {LOGOUT_EVENT: {}},
    }
    header = {"alg": "RS256", "kid": key.kid, "typ": "logout+jwt"}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key.jwk())
    return str(token.serialize())


def _finish(row: BackchannelLogout, status: str, error: str = "") -> None:
    row.status = status
    row.last_error = error[:300]
    row.sent_at = timezone.now() if status == BackchannelLogout.Status.SENT else None
    row.save(update_fields=["status", "last_error", "sent_at", "attempts"])


def deliver(logout_id: int, *, final_attempt: bool) -> None:
    with transaction.atomic():
        row = (
            BackchannelLogout.objects.select_for_update()
            .select_related("client")
            .filter(pk=logout_id, status=BackchannelLogout.Status.QUEUED)
            .first()
        )
        if row is None:
            return
        row.attempts += 1
        row.queued_at = timezone.now()
        row.save(update_fields=["attempts", "queued_at"])
    try:
        response = requests.post(
            row.client.backchannel_logout_uri,
            data={"logout_token": logout_token(row)},
            timeout=settings.OIDC_BACKCHANNEL_TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        failure = f"{type(error).__name__}"
    else:
        if response.status_code in (200, 204):
            _finish(row, BackchannelLogout.Status.SENT)
            return
        failure = f"HTTP {response.status_code}"
        if response.status_code < 500:
            _finish(row, BackchannelLogout.Status.FAILED, failure)
            return
    if final_attempt:
        _finish(row, BackchannelLogout.Status.FAILED, failure)
        return
    row.last_error = failure
    row.save(update_fields=["last_error"])
    raise BackchannelUnavailable(failure)


def requeue_stuck() -> list[int]:
    """The queued logouts no task has touched for ``NOTIFICATION_STUCK_AFTER_SECONDS`` (the
    broker lost it), stamped again with a conditional update so two beats never both take one;
    their ids, for the task to enqueue. One still queued after
    ``NOTIFICATION_GIVE_UP_AFTER_SECONDS`` is failed: its service has long dropped the session."""
    now = timezone.now()
    queued = BackchannelLogout.objects.filter(status=BackchannelLogout.Status.QUEUED)
    given_up = queued.filter(
        created_at__lt=now - timedelta(seconds=settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS)
    ).update(status=BackchannelLogout.Status.FAILED, last_error="no delivery in time")
    if given_up:
        logger.warning("gave up %d back-channel logouts no worker delivered", given_up)
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS)
    requeued: list[int] = []
    stuck = queued.filter(queued_at__lt=stuck_before).order_by("queued_at")
    for row_id, queued_at in stuck.values_list("pk", "queued_at")[
        : settings.NOTIFICATION_REQUEUE_BATCH
    ]:
        if queued.filter(pk=row_id, queued_at=queued_at).update(queued_at=now):
            requeued.append(row_id)
    if requeued:
        logger.warning("re-enqueued %d back-channel logouts whose task was lost", len(requeued))
    return requeued
