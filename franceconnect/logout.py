"""Logout at FranceConnect: a session opened with FranceConnect ends there too.

FranceConnect asks its partners to send the person to its ``end_session_endpoint`` with the
``id_token_hint`` of the session, a ``state`` and the registered ``post_logout_redirect_uri``;
it then sends them back there. The state is signed (no session survives the logout to keep
it in): the page it comes back to checks it and says the person is logged out.
"""

from __future__ import annotations

import secrets

from django.core import signing
from django.http import HttpRequest

from core.links import absolute_url
from franceconnect import client

SESSION_ID_TOKEN = "franceconnect.id_token"  # noqa: S105 - a session key
STATE_SALT = "franceconnect.logout"
STATE_MAX_AGE = 15 * 60


def franceconnect_logout_url(request: HttpRequest) -> str | None:
    """The hook ``accounts.signout`` asks at logout."""
    id_token = request.session.get(SESSION_ID_TOKEN) if hasattr(request, "session") else None
    if not id_token or not client.is_configured():
        return None
    state = signing.dumps(secrets.token_urlsafe(24), salt=STATE_SALT)
    return client.end_session_url(
        id_token=str(id_token),
        state=state,
        post_logout_redirect_uri=absolute_url("franceconnect:logout_done"),
    )


def is_our_logout_state(state: str) -> bool:
    try:
        signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:
        return False
    return True
