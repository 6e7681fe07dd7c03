"""Links: the one guard on where a ``next`` may lead, and the one way to build an absolute URL
for e-mails, SMS and printed letters (from ``SITE_URL``, set from the address served on when
embedded)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def safe_next(request: HttpRequest, default: str) -> str:
    """``next`` from the form or the query string when it stays on this site, else ``default``
    (a URL name or path). HTTPS pages never send people back to plain HTTP."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if _allowed(request, target):
        return target
    return default if "/" in default else reverse(default)


def absolute_url(viewname: str, *args: Any) -> str:
    """``SITE_URL`` + the path of ``viewname``: what leaves the portal in a message or letter."""
    return settings.SITE_URL + reverse(viewname, args=args or None)


# A journey opened from the login page of a service (lost password, lost identifier,
# registration) keeps the way back to that service here, so that logging in afterwards lands
# back in it rather than in Mon compte.
KEPT_NEXT = "portal.next"


def _allowed(request: HttpRequest, target: str) -> bool:
    return bool(target) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def keep_next(request: HttpRequest) -> None:
    """Remember the ``next`` a journey was opened with, when it stays on this site."""
    target = request.GET.get("next", "")
    if _allowed(request, target):
        request.session[KEPT_NEXT] = target


def kept_next(request: HttpRequest) -> str:
    target = request.session.get(KEPT_NEXT, "") if hasattr(request, "session") else ""
    return target if isinstance(target, str) and _allowed(request, target) else ""


def login_url(request: HttpRequest) -> str:
    """The login page, carrying the way back kept by a journey, if any."""
    target = kept_next(request)
    base = reverse("accounts:login")
    return f"{base}?{urlencode({'next': target})}" if target else base
