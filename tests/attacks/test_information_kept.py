"""Lookups, typed values and link tokens stay out of logs and queues (issue 16, item 14).

The broker holds what recovery tasks carry sealed; the tasks return nothing (Celery logs return
values at INFO, and a count would say whether a lookup found an account); the access log and the
portal's log mask link tokens. (The journal's failed logins: tests/accounts/test_login.py; the
console SMS backend refused in production: tests/test_settings.py.)
"""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from accounts.models import User
from core import crypto
from educonnect.gunicorn_logging import RedactingLogger
from educonnect.redaction import RedactLinkTokens, redact
from recovery import tasks
from tests.recovery.conftest import STUDENT_EMAIL
from tests.recovery.signup_support import nadia_family

pytestmark = pytest.mark.django_db

TOKEN = "Zm9yZ2V0LW1lLW5vdC1hLXJlYWwtdG9rZW4tYnV0LWxvbmc"  # noqa: S105 - shaped like one
LINKS = [f"/mot-de-passe-perdu/lien/{TOKEN}/", f"/mon-compte/e-mail/verifier/{TOKEN}/"]


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    """What the recovery tasks would put on the broker."""
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    for task in (
        tasks.deliver_password_reset,
        tasks.deliver_identifier_reminder,
        tasks.deliver_signup_code,
    ):
        monkeypatch.setattr(
            task,
            "delay_on_commit",
            lambda *args, _name=task.name, **kwargs: calls.append((_name, args, kwargs)),
        )
    return calls


def test_the_broker_never_holds_what_was_typed(
    enqueued, parent: User, student: User, college
) -> None:
    nadia_family(college)
    typed = {
        "recovery:forgot_password": {"identifier": parent.identifier, "channel": "sms"},
        "recovery:signup": {"last_name": "Benali", "first_name": "Nadia", "mobile": "0692123456"},
    }
    for name, data in typed.items():
        Client().post(reverse(name), data)
    Client().post(reverse("recovery:forgot_identifier"), {"channel": "sms", "mobile": "0612345678"})
    Client().post(
        reverse("recovery:forgot_identifier"), {"channel": "email", "email": STUDENT_EMAIL}
    )

    assert len(enqueued) == 4
    secrets = [parent.identifier, "Benali", "Nadia", "+262692123456", "+33612345678", STUDENT_EMAIL]
    for _name, args, kwargs in enqueued:
        on_the_wire = repr((args, kwargs))
        assert not any(secret in on_the_wire for secret in secrets), on_the_wire
        assert crypto.unseal(args[0], purpose=tasks.SEAL_PURPOSE) is not None
    opened = crypto.unseal(enqueued[0][1][0], purpose=tasks.SEAL_PURPOSE)
    assert opened == {
        "identifier": parent.identifier,
        "channel": "sms",
        "ip_address": "127.0.0.1",
        "language": "fr",  # the page's language, for the message the worker sends
    }


def _sealed(**arguments: str) -> str:
    return crypto.seal(arguments, purpose=tasks.SEAL_PURPOSE)


@pytest.mark.parametrize("identifier", ["patrick.dupont1", "personne.inconnue1"])
def test_the_tasks_return_nothing_whether_or_not_they_found_an_account(
    parent: User, identifier: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="celery.app.trace")
    results = [
        tasks.deliver_password_reset.apply(
            args=(_sealed(identifier=identifier, channel="sms", ip_address=""),)
        ).result,
        tasks.deliver_identifier_reminder.apply(
            args=(_sealed(channel="sms", destination="+33612345678", ip_address=""),)
        ).result,
        tasks.deliver_signup_code.apply(
            args=(_sealed(last_name="X", first_name="Y", mobile="+33612345678", ip_address=""),)
        ).result,
    ]
    assert results == [None, None, None]
    logged = [r.getMessage() for r in caplog.records if "recovery.deliver" in r.getMessage()]
    assert logged and all(line.endswith(": None") for line in logged)


def test_a_tampered_payload_is_dropped_not_run(parent: User) -> None:
    sealed = _sealed(identifier=parent.identifier, channel="sms", ip_address="")
    assert tasks.deliver_password_reset.apply(args=(sealed[:-4] + "AAAA",)).result is None


# --- Link tokens in logs -------------------------------------------------------------------


@pytest.mark.parametrize("path", LINKS)
def test_the_access_log_masks_link_tokens_in_every_atom(path: str) -> None:
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?utm=sms",
        "PATH_INFO": path,
        "QUERY_STRING": "utm=sms",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://portail.exemple.fr{path}",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="302 Found", headers=[("Location", path)], sent=0)
    request = SimpleNamespace(headers=[("REFERER", f"https://portail.exemple.fr{path}")])
    atoms = logger.atoms(response, request, environ, dt.timedelta(milliseconds=3))
    line = logger.cfg.access_log_format % atoms
    assert TOKEN not in repr(atoms)
    assert "[masqué]" in line and TOKEN not in line


@pytest.mark.parametrize("path", LINKS)
def test_the_portal_log_masks_link_tokens(path: str) -> None:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None
    )
    assert RedactLinkTokens().filter(record)
    assert TOKEN not in record.getMessage() and "[masqué]" in record.getMessage()
    assert redact("/mot-de-passe-perdu/nouveau/") == "/mot-de-passe-perdu/nouveau/"


def test_the_portal_log_handler_is_the_one_filtered() -> None:
    from django.conf import settings

    assert "link_tokens" in settings.LOGGING["handlers"]["console"]["filters"]
