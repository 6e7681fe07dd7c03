"""The new-device notice: what an account is told when someone signs in to it from a browser
it had not used in 90 days (``accounts.known_devices`` decides when; this sends it).

It goes on every channel of the account (``notify_account``: the school-declared mobiles that
accept SMS, the verified e-mail), in the language of the login page, like every notice. It
names the browser, the IP address and the time, not a town: no GeoIP database ships with the
portal and none may be called online, and a town guessed from an address is often wrong.
"""

from __future__ import annotations

from django.conf import settings

from accounts.known_devices import NewDeviceLogin
from core.links import absolute_url
from notifications.notices import notify_account

TEMPLATE = "new_device"


def new_device_notify(login: NewDeviceLogin) -> int:
    """Queue the notice; returns how many messages were queued (0: no channel to tell)."""
    return notify_account(
        login.user,
        TEMPLATE,
        context={
            "device": login.device,
            "ip_address": login.ip_address or "?",
            "signed_in_at": login.signed_in_at,
            "days": settings.KNOWN_DEVICE_DAYS,
            "change_password_url": absolute_url("myaccount:change_password"),
            "forgot_password_url": absolute_url("recovery:forgot_password"),
        },
    )
