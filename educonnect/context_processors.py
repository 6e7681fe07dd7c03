"""Values every page template needs: service name, support contact, the lifetimes people are
told (from ``recovery.codes``, never typed into a sentence)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import lazy

from core.links import login_url
from recovery.codes import lifetimes

# Built once: ``lazy()`` makes a new proxy class each time it is called (0.1 ms a page).
_lazy_login_url = lazy(login_url, str)


def portal(request: HttpRequest) -> dict[str, object]:
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        # The login page, with the way back to the service a journey started from.
        "login_url": _lazy_login_url(request),
        **lifetimes(),
    }
