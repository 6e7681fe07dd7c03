"""Opening a session for a person: the one place every way of logging in ends.

Identifier + password, a passkey, FranceConnect and the end of self-registration all call
``sign_in``: the session is opened the same way, the journal says which method was used, and
what follows a login (the way back to a service, the new-device notice) happens once, here.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from core import metrics
from core.http import RequestFacts
from core.links import KEPT_NEXT, kept_next, safe_next

PORTAL_BACKEND = "accounts.backends.PortalBackend"


class Method:
    """How the person proved who they are, as the journal records it."""

    PASSWORD = "password"  # noqa: S105  # a method name, not a secret
    PASSKEY = "passkey"
    FRANCECONNECT = "franceconnect"
    SIGNUP = "signup"


def sign_in(request: HttpRequest, user: User, *, method: str, facts: RequestFacts) -> None:
    """Open the session (a new key: no fixation) and record the login."""
    login(request, user, backend=PORTAL_BACKEND)
    audit_event_record(
        event_type=AuditEvent.Type.LOGIN_SUCCEEDED,
        subject=user,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"method": method},
    )
    metrics.count(metrics.LOGINS, outcome="succeeded", method=method)


def after_sign_in_url(request: HttpRequest, default: str = "") -> str:
    """Where a fresh login goes: back to the service a journey started from, else ``default``."""
    back = kept_next(request)
    request.session.pop(KEPT_NEXT, None)
    return safe_next(request, back or default or settings.LOGIN_REDIRECT_URL)
