"""Values every page template needs: service name, support contact, the lifetimes people are
told (from ``recovery.codes``, never typed into a sentence)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from recovery.codes import lifetimes


def portal(request: HttpRequest) -> dict[str, object]:
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
        **lifetimes(),
    }
