"""Links: the one guard on where a ``next`` may lead, and the one way to build an absolute URL
for e-mails, SMS and printed letters (from ``SITE_URL``, set from the address served on when
embedded)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, default: str) -> str:
    """``next`` from the form or the query string when it stays on this site, else ``default``
    (a URL name or path). HTTPS pages never send people back to plain HTTP."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default if default.startswith("/") else reverse(default)


def absolute_url(viewname: str, *args: Any) -> str:
    """``SITE_URL`` + the path of ``viewname``: what leaves the portal in a message or letter."""
    return settings.SITE_URL + reverse(viewname, args=args or None)
