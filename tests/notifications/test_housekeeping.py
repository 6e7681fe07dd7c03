"""Beat housekeeping: stuck messages are re-enqueued once, old ones deleted."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from notifications import delivery, housekeeping, tasks
from notifications.backends.sms import LocmemSmsBackend
from notifications.models import Notification
from notifications.services import notification_send
from recovery import codes
from recovery.models import VerificationCode

pytestmark = pytest.mark.django_db


def queued_sms() -> Notification:
    with transaction.atomic():
        return notification_send(
            channel="sms",
            destination="+33612345678",
            template="password_reset_code",
            secrets={"code": "111222"},
        )


def test_a_message_whose_task_was_lost_is_sent_by_the_requeue(
    settings, django_capture_on_commit_callbacks
) -> None:
    notification = queued_sms()  # its task was never run: the broker lost it
    assert tasks.requeue_stuck() == 0
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS + 1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(LocmemSmsBackend.outbox) == 1


def test_a_message_held_by_a_dead_worker_is_sent_after_its_lease(
    settings, django_capture_on_commit_callbacks
) -> None:
    notification = queued_sms()
    assert delivery.claim(notification.pk) is not None  # the worker died right after this
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck() == 0
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS + 1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck() == 1
        assert tasks.requeue_stuck() == 0
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2


def test_old_notifications_are_deleted_after_the_retention(settings) -> None:
    queued_sms()
    later = timezone.now() + timedelta(days=settings.NOTIFICATION_RETENTION_DAYS + 1)
    with time_machine.travel(later):
        assert housekeeping.purge_old() == 1
    assert Notification.objects.count() == 0


def test_dead_codes_are_purged_live_ones_kept() -> None:
    now = timezone.now()
    for expires in (now - timedelta(days=2), now + timedelta(minutes=30)):
        VerificationCode.objects.create(
            purpose="password_reset",
            channel="sms",
            destination="+33612345678",
            secret_hash=codes.hash_secret(codes.new_code()),
            expires_at=expires,
        )
    assert codes.purge_expired(now) == 1
    assert VerificationCode.objects.count() == 1


def test_codes_are_six_digits_and_hashed_with_a_key() -> None:
    code = codes.new_code()
    assert len(code) == 6 and code.isdigit()
    assert len(codes.new_link_token()) >= 43
    assert codes.hash_secret("123456") != codes.hash_secret("123457")
    import hashlib

    assert codes.hash_secret("123456") != hashlib.sha256(b"123456").hexdigest()
