"""The session engine: Django's database sessions, written once per login instead of twice.

Django's ``login()`` rotates the session key against fixation with ``cycle_key()``, which saves
the session at once under a new key (a SELECT for a free key, then an INSERT) so that the
response's save can UPDATE it. A browser that signs in from the login form usually has no
session yet (the form needs only the CSRF cookie): there is no key an attacker could have
fixed, and the response's save creates the row under a fresh key anyway. Skipping that first
write saves three round trips on every login (bench/login_http.py, docs/PERFORMANCE.md).

A new session's key is not looked up before its INSERT either: Django checks that a random key
is free (a SELECT) and then inserts it with ``must_create``, which already fails on a taken key
and makes ``create()`` draw another. The INSERT alone decides; one round trip less on every
first visit that writes a session (a reset request, a sign-up step).
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def cycle_key(self) -> None:
        """A session with a key gets a new one as in Django; one without is created (under a
        new key) by the save at the end of the response, not here."""
        if self.session_key is None:
            self.modified = True
            return
        super().cycle_key()

    def _get_new_session_key(self) -> str:
        """32 random characters (165 bits); a key already taken fails the INSERT of ``create()``
        (``must_create``), which then draws again."""
        return get_random_string(32, VALID_KEY_CHARS)
