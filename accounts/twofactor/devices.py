"""Two-factor authentication for staff: TOTP apps, with single-use recovery codes.

Built on django-otp: a staff member enrols an authenticator app by scanning a QR code and
typing one code, gets ten recovery codes shown once, and proves a code at each sign-in before
the secretariat console opens. django-otp throttles repeated wrong codes per device.
"""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User

RECOVERY_CODES = 10
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"


def has_confirmed_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def pending_totp_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device being enrolled, created on first visit."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def provisioning(device: TOTPDevice) -> dict[str, str]:
    """What the enrolment page shows: the QR code (SVG data URI) and the key to type by hand."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    spaced = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    qr = segno.make(device.config_url, error="m")
    return {"qr": qr.svg_data_uri(scale=5, border=2), "key": spaced}


def _clean(token: str) -> str:
    return "".join(ch for ch in token if not ch.isspace())[:16]


@transaction.atomic
def enrol_confirm(*, user: User, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending device with one code; returns it and fresh recovery codes."""
    device = pending_totp_device(user)
    if not device.verify_token(_clean(token)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
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
