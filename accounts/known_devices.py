"""Known devices, and the alert a login from a new one sends.

A login (any method: it ends in ``accounts.signin.sign_in``) from a browser the account has not
used in ``KNOWN_DEVICE_DAYS`` (90) tells the account on its channels, once per device, as
Google and GitHub do. A browser is recognised by a long-lived random cookie
(``DEVICE_COOKIE_NAME``: HttpOnly, Secure like the session cookie, SameSite=Lax), of which only
the SHA-256 hash is stored, per account (``KnownDevice``). A browser without the cookie (cleared,
private window) is a new device every time: at most ``NEW_DEVICE_ALERTS_PER_DAY`` alerts per
account in 24 hours are sent, the others only journaled, so nobody can flood a family by
logging in again and again.

Sending belongs to ``notifications``, above this app: it registers the sender from its
``AppConfig.ready`` (``register_alert_sender``), as the merge registry's movers come to it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.devices import describe_user_agent
from accounts.models import AuditEvent, KnownDevice, User
from core.http import RequestFacts
from core.ratelimits import AttemptLimit

DAY_SECONDS = 24 * 60 * 60
# 256 random bits, URL-safe base64 without padding: what ``secrets.token_urlsafe(32)`` gives.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}\Z")
# The cookie to set on this request's response, once ``sign_in`` has run.
_PENDING = "_portal_device_token"
LABEL_MAX = 100


@dataclass(frozen=True)
class NewDeviceLogin:
    """What the alert tells: who, from which browser and address, when."""

    user: User
    device: str
    ip_address: str
    signed_in_at: datetime


AlertSender = Callable[[NewDeviceLogin], int]
_SENDERS: list[AlertSender] = []


def register_alert_sender(sender: AlertSender) -> None:
    """``sender`` queues the notice and returns how many messages it queued."""
    if sender not in _SENDERS:
        _SENDERS.append(sender)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def device_token(request: HttpRequest) -> str:
    """The device cookie's value when it has the shape the portal gives it, else ``""``."""
    value = request.COOKIES.get(settings.DEVICE_COOKIE_NAME, "")
    return value if _TOKEN_SHAPE.match(value) else ""


def known_device_record(
    *, user: User, token: str, device: str, ip_address: str, now: datetime
) -> bool:
    """Record that ``user`` signed in from the browser holding ``token``; True when the
    browser is new to the account: never seen, or not seen for ``KNOWN_DEVICE_DAYS``.

    A known browser costs one UPDATE on the (user, hash) unique index. A forgotten one is
    taken back by a conditional UPDATE, and a new one by an INSERT that the unique constraint
    lets only one parallel login win: two logins at once from one browser alert once."""
    rows = KnownDevice.objects.filter(user=user, token_hash=_digest(token))
    cutoff = now - timedelta(days=settings.KNOWN_DEVICE_DAYS)
    seen = {"last_seen_at": now, "last_ip_address": ip_address or None, "label": device}
    if rows.filter(last_seen_at__gte=cutoff).update(**seen):
        return False
    if rows.filter(last_seen_at__lt=cutoff).update(first_seen_at=now, **seen):
        return True
    return _known_device_add(user=user, token=token, device=device, ip_address=ip_address, now=now)


def _known_device_add(
    *, user: User, token: str, device: str, ip_address: str, now: datetime
) -> bool:
    """One INSERT; False when a parallel login of the same browser recorded it first."""
    try:
        with transaction.atomic():
            KnownDevice.objects.create(
                user=user,
                token_hash=_digest(token),
                label=device,
                first_seen_at=now,
                last_seen_at=now,
                last_ip_address=ip_address or None,
            )
    except IntegrityError:
        return False
    return True


def known_device_sign_in(request: HttpRequest, user: User, *, facts: RequestFacts) -> bool:
    """Recognise this browser for ``user`` (giving it a device cookie if it has none, set on
    the response by ``device_cookie_set``); True when it is new to the account."""
    token = device_token(request)
    record = known_device_record if token else _known_device_add  # a new cookie: a new device
    token = token or secrets.token_urlsafe(32)
    setattr(request, _PENDING, token)
    return record(
        user=user,
        token=token,
        device=describe_user_agent(facts.user_agent)[:LABEL_MAX],
        ip_address=facts.ip_address,
        now=timezone.now(),
    )


def device_cookie_set(request: HttpRequest, response: HttpResponse) -> None:
    """Give the browser its device cookie (again: each login renews its lifetime)."""
    token = getattr(request, _PENDING, "")
    if not token:
        return
    response.set_cookie(
        settings.DEVICE_COOKIE_NAME,
        token,
        max_age=settings.DEVICE_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def new_device_alert(*, user: User, facts: RequestFacts) -> str:
    """Tell the account about a login from a new device, unless it was told
    ``NEW_DEVICE_ALERTS_PER_DAY`` times in the last 24 hours; journal either way. Returns the
    journal's event type."""
    login = NewDeviceLogin(
        user=user,
        device=describe_user_agent(facts.user_agent),
        ip_address=facts.ip_address,
        signed_in_at=timezone.now(),
    )
    alerts = AttemptLimit(
        name="new_device_alerts",
        limit=settings.NEW_DEVICE_ALERTS_PER_DAY,
        window_seconds=DAY_SECONDS,
    )
    sent = 0
    if alerts.reserve(f"account:{user.pk}") is None:
        event_type = AuditEvent.Type.NEW_DEVICE_ALERT_HELD
    else:
        sent = sum(sender(login) for sender in _SENDERS)
        event_type = (
            AuditEvent.Type.NEW_DEVICE_ALERTED if sent else AuditEvent.Type.NEW_DEVICE_UNREACHABLE
        )
    audit_event_record(
        event_type=event_type,
        subject=user,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"device": login.device, "notices": sent},
    )
    return event_type


def known_devices_purge(*, now: datetime | None = None) -> int:
    """Forget the browsers not seen for ``KNOWN_DEVICE_DAYS``: they would count as new anyway."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.KNOWN_DEVICE_DAYS)
    deleted, _ = KnownDevice.objects.filter(last_seen_at__lt=cutoff).delete()
    return deleted


class KnownDeviceMover:
    """Merging two accounts: the browsers of the closed one become the kept one's (no alert
    for a browser the person already used); one both knew keeps the kept account's row."""

    def describe(self, closed: User) -> list[str]:
        return []

    def move(self, *, kept: User, closed: User) -> None:
        taken = KnownDevice.objects.filter(user=kept).values("token_hash")
        KnownDevice.objects.filter(user=closed).exclude(token_hash__in=taken).update(user=kept)
        KnownDevice.objects.filter(user=closed).delete()


KNOWN_DEVICE_MOVER = KnownDeviceMover()
