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
from accounts.known_devices import known_device_sign_in, new_device_alert
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
    STAFF_ENROLMENT = "staff_enrolment"


# The person is creating the account (or the staff access) on this very device: it becomes
# known, and telling them about it would only teach them to ignore the alert.
QUIET_METHODS = {Method.SIGNUP, Method.STAFF_ENROLMENT}


def sign_in(request: HttpRequest, user: User, *, method: str, facts: RequestFacts) -> None:
    """Open the session (a new key: no fixation), record the login, and tell the account when
    it comes from a device it has not used in 90 days (``accounts.known_devices``).

    The first login of an account (it never signed in before: the activation of a
    school-given password) records its device without an alert, as the end of
    self-registration does."""
    first_login = user.last_login is None
    login(request, user, backend=PORTAL_BACKEND)
    is_new_device = known_device_sign_in(request, user, facts=facts)
    audit_event_record(
        event_type=AuditEvent.Type.LOGIN_SUCCEEDED,
        subject=user,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"method": method, "new_device": is_new_device},
    )
    if is_new_device and not first_login and method not in QUIET_METHODS:
        new_device_alert(user=user, facts=facts)
    metrics.count(metrics.LOGINS, outcome="succeeded", method=method)


def after_sign_in_url(request: HttpRequest, default: str = "") -> str:
    """Where a fresh login goes: back to the service a journey started from, else ``default``."""
    back = kept_next(request)
    request.session.pop(KEPT_NEXT, None)
    return safe_next(request, back or default or settings.LOGIN_REDIRECT_URL)
