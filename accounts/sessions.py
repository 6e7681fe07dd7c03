"""Signed-in browsers: recorded on each visit, listed in *Mon compte*, ended on demand.

Ending a session deletes it from the session store, so that browser is signed out at its next
request. A password change or reset ends every other session (no stolen session outlives it);
Django's session auth hash does the same for the stores we do not list.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User, UserSession

TOUCH_EVERY = timedelta(minutes=1)
_SEEN_KEY = "_portal_seen_at"


def _store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key=session_key)
    return store


def session_touch(
    *, user: User, session: SessionBase, ip_address: str, user_agent: str
) -> UserSession | None:
    """Record or refresh this browser's row, at most once a minute."""
    if not session.session_key:
        return None
    now = timezone.now()
    seen = session.get(_SEEN_KEY)
    if seen and now.timestamp() - float(seen) < TOUCH_EVERY.total_seconds():
        return None
    session[_SEEN_KEY] = now.timestamp()
    row, _created = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": ip_address or None,
            "user_agent": user_agent[:300],
            "last_seen_at": now,
        },
    )
    return row


@transaction.atomic
def sessions_end(*, user: User, except_key: str | None = None, only_id: int | None = None) -> int:
    """End the user's sessions (all but ``except_key``, or just ``only_id``); count them."""
    rows = UserSession.objects.filter(user=user)
    if except_key:
        rows = rows.exclude(session_key=except_key)
    if only_id is not None:
        rows = rows.filter(pk=only_id)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete(key)
    rows.delete()
    return len(keys)


def active_sessions(user: User) -> list[UserSession]:
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, last_seen_at__lt=cutoff).delete()
    return list(UserSession.objects.filter(user=user))


def sessions_end_all(*, users: QuerySet[User]) -> int:
    """End every session of ``users`` in a few statements whatever their number (a renewal
    campaign over a whole académie): the store's rows, then the listed ones; count them."""
    rows = UserSession.objects.filter(user__in=users)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if hasattr(store, "get_model_class"):  # a database store: one DELETE
        store.get_model_class().objects.filter(session_key__in=rows.values("session_key")).delete()
    else:
        for key in rows.values_list("session_key", flat=True):
            _store(key).delete(key)
    _total, per_model = rows.delete()
    return per_model.get(UserSession._meta.label, 0)
