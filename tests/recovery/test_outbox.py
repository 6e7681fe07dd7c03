"""A request the page said is on its way is written down until a worker has handled it.

The broker may lose a task (Redis hands it out and records it as unacknowledged in two steps;
a Redis without persistence forgets its queues on a restart): the family must still get its
code or its reminder, once (found by tests/services/test_faults.py, one restart in a few).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from notifications.backends.sms import LocmemSmsBackend
from recovery import tasks
from recovery.models import PendingRequest

pytestmark = pytest.mark.django_db


def lost_request(parent: User, django_capture_on_commit_callbacks) -> list:  # type: ignore[no-untyped-def]
    """A password reset whose task the broker never handed to a worker: the callbacks that
    would have enqueued it, not run."""
    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.enqueue_password_reset(identifier=parent.identifier, channel="sms", ip_address="")
    return list(queued)


def test_a_request_waits_in_the_database_until_its_task_has_run(
    parent: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    queued = lost_request(parent, django_capture_on_commit_callbacks)
    assert PendingRequest.objects.get().kind == PendingRequest.Kind.PASSWORD_RESET
    assert parent.identifier not in PendingRequest.objects.get().payload  # sealed, as the task

    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()

    assert not PendingRequest.objects.exists()
    assert len(LocmemSmsBackend.outbox) == 1


def test_a_request_whose_task_was_lost_is_handled_by_beat_once(
    parent: User, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    queued = lost_request(parent, django_capture_on_commit_callbacks)
    assert tasks.requeue_stuck_requests() == 0  # not stuck yet: its task may be in the queue

    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS + 1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_requests() == 1
    assert len(LocmemSmsBackend.outbox) == 1
    assert not PendingRequest.objects.exists()

    # The lost task turns up after all (Redis gave its unacknowledged copy back): nothing more.
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
        assert tasks.requeue_stuck_requests() == 0
    assert len(LocmemSmsBackend.outbox) == 1


def test_an_identifier_reminder_delivered_twice_is_sent_once(
    parent: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    mobile = "+33612345678"  # the school-held mobile of the parent fixture
    with django_capture_on_commit_callbacks(execute=False) as queued:
        tasks.enqueue_identifier_reminder(channel="sms", destination=mobile, ip_address="")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued * 2:  # the broker delivered it twice
            callback()
    assert [sms.to for sms in LocmemSmsBackend.outbox] == [mobile]


def test_a_request_that_failed_stays_to_be_tried_again(
    parent: User, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    queued = lost_request(parent, django_capture_on_commit_callbacks)

    def broken(**arguments: str) -> bool:
        raise RuntimeError("a bug in the delivery")

    monkeypatch.setattr(tasks, "password_reset_deliver", broken)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    assert PendingRequest.objects.count() == 1  # rolled back with the delivery


def test_a_request_no_worker_handled_within_the_give_up_age_is_dropped(
    parent: User, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    lost_request(parent, django_capture_on_commit_callbacks)
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS + 1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_requests() == 0
    assert not PendingRequest.objects.exists()
    assert LocmemSmsBackend.outbox == []


def test_beat_requeues_lost_requests_as_often_as_lost_messages(settings) -> None:  # type: ignore[no-untyped-def]
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["recovery.requeue_stuck_requests"] == schedule["notifications.requeue_stuck"]
