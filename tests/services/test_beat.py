"""celery beat as a plain process: its schedule re-enqueues a message whose task was lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from notifications import secret_box
from notifications.models import Notification
from tests.services.fake_twilio import FakeTwilio
from tests.services.workers import start_beat, wait_for, worker_environment, worker_launcher

pytestmark = pytest.mark.django_db(transaction=True)

FAST_BEAT = {"BEAT_REQUEUE_EVERY_SECONDS": "1", "NOTIFICATION_STUCK_AFTER_SECONDS": "5"}


@pytest.fixture
def beat(tmp_path: Path, fake_twilio: FakeTwilio) -> Iterator[Path]:
    log_path = tmp_path / "beat.log"
    env = worker_environment(fake_twilio=fake_twilio, extra=FAST_BEAT)
    process = start_beat(env, log_path, schedule=tmp_path / "beat-schedule")
    try:
        yield log_path
    finally:
        process.terminate()
        process.wait(timeout=10)
        print(log_path.read_text(errors="replace"))


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


def test_beat_sends_a_message_whose_task_the_broker_lost(
    tmp_path: Path, fake_twilio: FakeTwilio, beat: Path
) -> None:
    lost = Notification.objects.create(
        channel="sms",
        destination="+33612345678",
        template="password_reset_code",
        body="Portail des familles : votre code est ••••••.",
        secret_payload=secret_box.seal({"subject": "", "text": "Code 424242", "html": ""}),
    )
    with worker_launcher(tmp_path, fake_twilio) as workers:
        workers.start(env=FAST_BEAT)
        wait_for(
            lambda: Notification.objects.get(pk=lost.pk).status == Notification.Status.SENT,
            timeout=40,
            what="beat to re-enqueue the lost message and the worker to send it",
        )
    assert fake_twilio.message_count == 1
    assert "notifications.requeue_stuck" in beat.read_text(errors="replace")
