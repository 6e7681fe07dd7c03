"""Recent authentication before a passkey is added ("reauthentication", as django-allauth's
``ACCOUNT_REAUTHENTICATION_TIMEOUT`` and Keycloak's required actions ask for).

Adding a passkey gives a way into the account that outlives any password change: a browser
left signed in must not be enough. Within ``REAUTHENTICATION_TIMEOUT`` (5 minutes, allauth's
default 300 s) of signing in, or of typing the password again on the passkeys page, the add is
allowed; after that the password is asked again (counted with the login's throttle)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from accounts.models import User, UserSession

REAUTHENTICATION_TIMEOUT = timedelta(minutes=5)
REAUTHENTICATED_AT = "passkeys.reauthenticated_at"


def reauthenticated(session: SessionBase) -> None:
    session[REAUTHENTICATED_AT] = timezone.now().timestamp()


def is_recently_authenticated(*, user: User, session: SessionBase) -> bool:
    """Signed in, or the password typed again, less than REAUTHENTICATION_TIMEOUT ago.

    The sign-in time is when this session key was first seen signed in (``UserSession``,
    written by ``accounts.middleware``: a login always gets a new key)."""
    stamps = [float(session.get(REAUTHENTICATED_AT) or 0)]
    started = (
        UserSession.objects.filter(session_key=session.session_key or "", user=user)
        .values_list("created_at", flat=True)
        .first()
    )
    if started is not None:
        stamps.append(started.timestamp())
    age = timezone.now().timestamp() - max(stamps)
    return 0 <= age <= REAUTHENTICATION_TIMEOUT.total_seconds()
