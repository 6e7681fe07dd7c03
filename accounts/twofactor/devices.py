"""Two-factor authentication for staff: TOTP apps, with single-use recovery codes.

Built on django-otp. A device is only ever written confirmed: while a staff member enrols
(through an invitation, ``accounts.twofactor.invitations``), the secret being enrolled lives in
their session, fresh for each attempt, and becomes a device only once a code from it is typed
(a pending secret kept in the database would be shown again to every later visitor).
Ten recovery codes are shown once; a code is proved at each sign-in before the console opens.
django-otp throttles repeated wrong codes per device.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import segno
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.models import User

RECOVERY_CODES = 10
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"
TOTP_KEY_BYTES = 20  # RFC 4226's recommended length, django-otp's default
TOTP_TOLERANCE = 1  # one 30 s step either way: a phone's clock a little off still works


def has_confirmed_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def new_totp_key() -> str:
    """A fresh hex secret for one enrolment attempt (never stored until confirmed)."""
    return str(random_hex(TOTP_KEY_BYTES))


def _unsaved_device(user: User, key: str) -> TOTPDevice:
    return TOTPDevice(user=user, name=TOTP_NAME, key=key, confirmed=False)


def provisioning(user: User, key: str) -> dict[str, str]:
    """What the enrolment page shows: the QR code (SVG data URI) and the key to type by hand."""
    device = _unsaved_device(user, key)
    typed = base64.b32encode(device.bin_key).decode().rstrip("=")
    spaced = " ".join(typed[i : i + 4] for i in range(0, len(typed), 4))
    qr = segno.make(device.config_url, error="m")
    return {"qr": qr.svg_data_uri(scale=5, border=2), "key": spaced}


def _clean(token: str) -> str:
    return "".join(ch for ch in token if not ch.isspace())[:16]


@dataclass(frozen=True)
class Match:
    """The time step a code was accepted at, and the clock drift it showed."""

    t: int
    drift: int


def totp_match(*, key: str, token: str) -> Match | None:
    """Whether ``token`` is the current code (± one step) of the secret ``key``."""
    cleaned = _clean(token)
    if not (cleaned.isascii() and cleaned.isdigit()):
        return None
    try:
        totp = TOTP(binascii.unhexlify(key))
    except (binascii.Error, ValueError):
        return None
    if not totp.verify(int(cleaned), tolerance=TOTP_TOLERANCE):
        return None
    return Match(t=totp.t(), drift=totp.drift)


def has_passkey_device(user: User) -> bool:
    """Whether a passkey (``passkeys.models.PasskeyCredential``, which lives above this app
    and is found through django-otp's registry of devices) is one of the user's second factors."""
    return any(getattr(d, "is_passkey", False) for d in devices_for_user(user, confirmed=True))


def devices_delete(*, user: User) -> int:
    """Remove every second factor of ``user`` (app and recovery codes) and take the standing
    of second factor from any other device (a passkey stays a way to log in, no longer a second
    factor); their signed-in sessions lose the console at their next request, as django-otp
    no longer finds a confirmed device."""
    deleted: int = TOTPDevice.objects.filter(user=user).delete()[0]
    static: int = StaticDevice.objects.filter(user=user).delete()[0]
    others = 0
    for device in devices_for_user(user, confirmed=True):
        device.confirmed = False
        device.save(update_fields=["confirmed"])
        others += 1
    return deleted + static + others


def device_enrol(*, user: User, key: str, match: Match) -> tuple[TOTPDevice, list[str]]:
    """Replace the user's second factors by the app whose code was just typed, and fresh
    recovery codes. The accepted step is recorded so the same code cannot be replayed."""
    devices_delete(user=user)
    device = TOTPDevice.objects.create(
        user=user,
        name=TOTP_NAME,
        key=key,
        confirmed=True,
        tolerance=TOTP_TOLERANCE,
        drift=match.drift,
        last_t=match.t,
    )
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return device, codes


def verify(*, user: User, token: str) -> Device | None:
    """The confirmed device (app or recovery code) that accepts ``token``, or None."""
    cleaned = _clean(token)
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(cleaned):
            return device
    return None
