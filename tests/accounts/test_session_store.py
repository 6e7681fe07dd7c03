"""The session engine draws a new key without looking it up first: the INSERT decides."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import session_store
from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_a_taken_key_is_never_reused_nor_overwritten(monkeypatch) -> None:
    first = SessionStore()
    first["who"] = "first visitor"
    first.create()
    taken = first.session_key
    assert taken is not None
    keys = iter([taken, "k" * 32])
    monkeypatch.setattr(session_store, "get_random_string", lambda length, chars: next(keys))
    second = SessionStore()
    second["who"] = "second visitor"
    second.save()
    assert second.session_key == "k" * 32
    assert SessionStore(taken).load() == {"who": "first visitor"}
    assert SessionStore("k" * 32).load() == {"who": "second visitor"}
    assert Session.objects.count() == 2


def test_a_new_session_costs_one_insert_and_no_lookup() -> None:
    session = SessionStore()
    session["who"] = "visitor"
    with CaptureQueriesContext(connection) as queries:
        session.save()
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert "SELECT" not in statements
    assert statements.count("INSERT") == 1
