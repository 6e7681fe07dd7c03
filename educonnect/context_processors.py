"""Values every page template needs (service name, support contact)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, str]:
    return {"PORTAL_NAME": settings.PORTAL_NAME, "SUPPORT_EMAIL": settings.SUPPORT_EMAIL}
