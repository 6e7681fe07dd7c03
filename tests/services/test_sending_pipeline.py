"""Sending for real: a Celery worker process, the twilio SDK over HTTP to a fake Twilio, SMTP.

Each test commits a notification (``transaction=True``), so the worker, another process
connected to the pytest test database, sees it and sends it; the test polls the row and what
the fake provider or the SMTP server received.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification
from notifications.services import notification_send
from tests.services.fake_twilio import Answer, FakeTwilio
from tests.services.smtp_server import SmtpServer
from tests.services.workers import WorkerLauncher, free_port, holds_for, wait_for, worker_launcher

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "+33612345678"
CODE = "482913"
RESET_LINK = "https://portail.exemple.fr/mot-de-passe-perdu/lien/Zq9vR3kT8bYw2mLx5cNp7dHf/"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def workers(fake_twilio: FakeTwilio, tmp_path: Path) -> Iterator[WorkerLauncher]:
    with worker_launcher(tmp_path, fake_twilio) as launcher:
        yield launcher


def send_reset_code(to: str = MOBILE) -> Notification:
    return notification_send(
        channel="sms", destination=to, template="password_reset_code", secrets={"code": CODE}
    )


def status_of(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.status


def wait_for_status(notification: Notification, *statuses: str, timeout: float = 30) -> None:
    wait_for(
        lambda: status_of(notification) in statuses,
        timeout=timeout,
        what=f"notification {notification.pk} to be {'/'.join(statuses)}",
    )


def token_of(notification: Notification) -> str:
    return f"notification-{notification.pk}"


# --- SMS through the SDK ----------------------------------------------------------------------


def test_it_sends_an_sms_through_the_twilio_sdk_to_the_provider(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    worker = workers.start()

    notification = send_reset_code()

    wait_for_status(notification, Notification.Status.SENT)
    [request] = fake_twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request.auth == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert request.idempotency_token == token_of(notification)
    assert request.form["To"] == MOBILE
    assert CODE in request.form["Body"]
    assert request.form["From"] == "+33700000001"
    assert request.form["StatusCallback"] == settings.TWILIO_STATUS_CALLBACK_URL
    [message] = fake_twilio.messages
    assert notification.provider_message_id == message.sid
    assert message.sid.startswith("SM") and len(message.sid) == 34
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.secret_payload == ""
    assert "••••••" in notification.body
    row = Notification.objects.filter(pk=notification.pk).values().get()
    assert not any(CODE in str(value) for value in row.values())
    wait_for(lambda: "succeeded in" in worker.log(), what="the task to finish")
    assert CODE not in worker.log()


def test_it_sends_through_a_messaging_service_when_one_is_configured(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    service_sid = "MG" + "ab" * 16
    workers.start(env={"TWILIO_MESSAGING_SERVICE_SID": service_sid})

    notification = send_reset_code()

    wait_for_status(notification, Notification.Status.SENT)
    [request] = fake_twilio.requests
    assert request.form["MessagingServiceSid"] == service_sid
    assert "From" not in request.form
    assert notification.provider_message_id == fake_twilio.messages[0].sid


def test_it_retries_provider_errors_until_the_provider_accepts(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.script(Answer.server_error(), Answer.server_error())
    workers.start()

    notification = send_reset_code()

    wait_for_status(notification, Notification.Status.SENT)
    assert notification.attempts == 3
    assert fake_twilio.request_count == 3
    assert {request.idempotency_token for request in fake_twilio.requests} == {
        token_of(notification)
    }
    [message] = fake_twilio.messages
    assert notification.provider_message_id == message.sid
    assert notification.last_error_code == ""
    assert notification.secret_payload == ""


def test_it_retries_when_the_provider_says_too_many_requests(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.script(Answer.too_many_requests())
    workers.start()

    notification = send_reset_code()

    wait_for_status(notification, Notification.Status.SENT)
    assert notification.attempts == 2
    assert fake_twilio.message_count == 1


def test_it_gives_up_at_once_on_an_invalid_number(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.script(Answer.invalid_number("+33600000000"))
    workers.start()

    notification = send_reset_code(to="+33600000000")

    wait_for_status(notification, Notification.Status.FAILED)
    assert notification.attempts == 1
    assert notification.last_error_code == "21211"
    assert "Numéro invalide" in notification.last_error
    assert notification.failed_at is not None
    assert notification.secret_payload == ""
    # Longer than the first retry's backoff (1 s, with jitter): no second request comes.
    assert holds_for(lambda: fake_twilio.request_count == 1, seconds=2.5)
    assert fake_twilio.message_count == 0
    assert status_of(notification) == Notification.Status.FAILED


def test_it_sends_once_when_the_worker_is_killed_mid_send(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.latency = 4.0
    short_leases = {
        "NOTIFICATION_SEND_LEASE_SECONDS": "5",
        "NOTIFICATION_STUCK_AFTER_SECONDS": "5",
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    first = workers.start(env=short_leases)

    notification = send_reset_code()
    wait_for(lambda: fake_twilio.request_count == 1, what="the provider to receive the request")
    first.kill()
    assert not first.is_running()
    assert status_of(notification) == Notification.Status.SENDING
    workers.start(env=short_leases)

    # The dead worker's claim runs out; beat's housekeeping (run here) hands the message on.
    claimed_until = notification.claimed_until
    assert claimed_until is not None
    wait_for(lambda: timezone.now() > claimed_until, timeout=10, what="the lease to expire")
    tasks.requeue_stuck()

    wait_for_status(notification, Notification.Status.SENT)
    assert notification.attempts == 2
    retries = fake_twilio.requests_with_token(token_of(notification))
    assert len(retries) == 2
    [message] = fake_twilio.messages_with_token(token_of(notification))
    assert fake_twilio.message_count == 1
    assert notification.provider_message_id == message.sid
    assert notification.secret_payload == ""


def test_it_sends_once_when_the_same_task_is_enqueued_twice(
    workers: WorkerLauncher, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.latency = 0.5
    worker = workers.start(concurrency=2)

    notification = send_reset_code()
    tasks.send_sms.delay(notification.pk)

    wait_for_status(notification, Notification.Status.SENT)
    wait_for(
        lambda: worker.log().count("succeeded in") >= 2,
        what="both tasks to finish",
    )
    assert fake_twilio.request_count == 1
    assert fake_twilio.message_count == 1
    assert notification.attempts == 1
    assert f"notification {notification.pk} not claimable" in worker.log()


# --- E-mail through SMTP ----------------------------------------------------------------------


def test_it_sends_an_email_with_text_and_html_parts_through_smtp(workers: WorkerLauncher) -> None:
    with SmtpServer(free_port()) as smtp:
        workers.start(email_url=smtp.url)

        notification = notification_send(
            channel="email",
            destination="patrick.dupont@exemple.fr",
            template="password_reset_link",
            context={"identifier": "hugo.dupont1"},
            secrets={"link": RESET_LINK},
        )

        wait_for_status(notification, Notification.Status.SENT)
        wait_for(lambda: smtp.handler.count >= 1, what="the SMTP server to receive the mail")
        assert holds_for(lambda: smtp.handler.count == 1, seconds=0.5)
    [mail] = smtp.received
    assert mail.rcpt_tos == ["patrick.dupont@exemple.fr"]
    message = mail.message()
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["To"] == "patrick.dupont@exemple.fr"
    assert message["Message-ID"] == notification.provider_message_id
    assert f"notification-{notification.pk}@" in message["Message-ID"]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert RESET_LINK in text.get_content()
    assert "hugo.dupont1" in text.get_content()
    assert f'href="{RESET_LINK}"' in html.get_content()
    assert notification.attempts == 1
    assert notification.secret_payload == ""
    row = Notification.objects.filter(pk=notification.pk).values().get()
    assert not any("Zq9vR3kT8bYw2mLx5cNp7dHf" in str(value) for value in row.values())


def test_it_retries_an_email_until_the_smtp_server_is_back(workers: WorkerLauncher) -> None:
    port = free_port()
    smtp = SmtpServer(port)
    workers.start(email_url=smtp.url)

    notification = notification_send(
        channel="email",
        destination="patrick.dupont@exemple.fr",
        template="password_reset_link",
        context={"identifier": "hugo.dupont1"},
        secrets={"link": RESET_LINK},
    )

    wait_for(
        lambda: (
            status_of(notification) == Notification.Status.QUEUED
            and notification.last_error_code == "smtp"
        ),
        what="the first attempt to fail on the missing SMTP server",
    )
    assert notification.attempts >= 1
    assert "Serveur de messagerie indisponible" in notification.last_error
    assert notification.secret_payload != ""
    failed_attempts = notification.attempts
    with smtp:
        wait_for_status(notification, Notification.Status.SENT)
        assert holds_for(lambda: smtp.handler.count == 1, seconds=0.5)
    assert notification.attempts > failed_attempts
    assert notification.last_error_code == ""
    assert notification.secret_payload == ""
    assert RESET_LINK in smtp.received[0].message().get_body(("plain",)).get_content()
