"""The recovery delivery tasks survive a database that is briefly unreachable.

The request has already told the family that a code is on its way; a task that failed on a
PostgreSQL restart would lose it for good (found by tests/services/test_faults.py).
"""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.utils import translation

from accounts.models import User
from core import crypto
from notifications.backends.sms import LocmemSmsBackend
from recovery import tasks
from recovery.deliveries import password_reset as forgot_password

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_password_reset_task_retries_when_the_database_is_restarting(
    parent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = forgot_password.password_reset_deliver

    def once_unreachable(**kwargs: str) -> bool:
        calls.append(kwargs["identifier"])
        if len(calls) == 1:
            raise OperationalError("the database system is shutting down")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "password_reset_deliver", once_unreachable)

    sealed = crypto.seal(
        {"identifier": parent.identifier, "channel": "sms", "ip_address": ""},
        purpose=tasks.SEAL_PURPOSE,
    )
    tasks.deliver_password_reset.apply(args=(sealed,), throw=False)

    assert calls == [parent.identifier, parent.identifier]
    assert len(LocmemSmsBackend.outbox) == 1


def test_a_task_queued_in_clear_before_an_upgrade_is_still_delivered(parent: User) -> None:
    tasks.deliver_password_reset.apply(args=(parent.identifier, "sms"), throw=False)

    assert len(LocmemSmsBackend.outbox) == 1


def test_a_code_asked_from_an_english_page_is_sent_in_english_by_the_worker(
    parent: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.enqueue_password_reset(
            identifier=parent.identifier, channel="sms", ip_address="203.0.113.9"
        )
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):
        for callback in queued:  # the worker runs later, in its own (default) language
            callback()
    assert "your code is" in LocmemSmsBackend.outbox[-1].body
