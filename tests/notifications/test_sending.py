"""Sending an SMS or an e-mail through the log, the task and a backend (tasks in-process)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache, caches
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, User
from notifications import delivery
from notifications.backends.sms import LocmemSmsBackend
from notifications.budget import budget_exceeded
from notifications.errors import TransientSendError
from notifications.models import Notification
from notifications.services import notification_send

pytestmark = pytest.mark.django_db


def send_code(user: User | None = None, to: str = "+33612345678") -> Notification:
    return notification_send(
        channel="sms",
        destination=to,
        template="password_reset_code",
        secrets={"code": "482913"},
        user=user,
    )


def test_an_sms_is_logged_redacted_and_sent_with_the_real_code(
    django_capture_on_commit_callbacks, parent: User
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification = send_code(parent)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert "482913" in LocmemSmsBackend.outbox[0].body
    row = Notification.objects.filter(pk=notification.pk).values().get()
    assert not any("482913" in str(value) for value in row.values())
    assert notification.secret_payload == ""
    assert "••••••" in notification.body
    assert notification.masked_destination == "06 •• •• •• 78"


def test_nothing_is_sent_when_the_action_rolls_back(django_capture_on_commit_callbacks) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_code()
        raise RuntimeError("the action failed")
    assert Notification.objects.count() == 0
    assert LocmemSmsBackend.outbox == []


def test_the_send_waits_for_the_commit(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = send_code()
    assert notification.status == Notification.Status.QUEUED
    assert LocmemSmsBackend.outbox == []
    assert len(callbacks) == 1


def run_like_a_worker(notification_id: int, max_attempts: int) -> int:
    """Call the task body the way the worker's autoretry does; return the number of runs."""
    for attempt in range(max_attempts):
        try:
            delivery.deliver(notification_id, final_attempt=attempt == max_attempts - 1)
        except TransientSendError:
            continue
        return attempt + 1
    raise AssertionError("the last attempt must not raise")


def test_transient_errors_are_retried_until_it_goes_through(scripted_sms) -> None:
    scripted_sms.script = ["transient", "transient", "ok"]
    with transaction.atomic():
        notification = send_code()
    assert run_like_a_worker(notification.pk, 6) == 3
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 3
    assert notification.last_error == ""
    assert {call["key"] for call in scripted_sms.calls} == {f"notification-{notification.pk}"}


def test_between_retries_the_message_waits_with_its_reason(scripted_sms) -> None:
    scripted_sms.script = ["transient"]
    with transaction.atomic():
        notification = send_code()
    with pytest.raises(TransientSendError):
        delivery.deliver(notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.QUEUED
    assert "nouvel essai automatique" in notification.last_error
    assert notification.secret_payload != ""


def test_a_permanent_error_fails_at_once_with_a_french_reason(
    django_capture_on_commit_callbacks, scripted_sms
) -> None:
    scripted_sms.script = ["permanent:21211"]
    with django_capture_on_commit_callbacks(execute=True):
        notification = send_code()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert notification.last_error_code == "21211"
    assert "Numéro invalide" in notification.last_error
    assert notification.secret_payload == ""


def test_a_young_message_still_failing_after_the_last_attempt_waits_for_beat(
    scripted_sms,
) -> None:
    """An SMTP server or provider down for a minute must not lose the messages queued meanwhile:
    the fast retries end sooner than that (tests/services/test_faults.py)."""
    scripted_sms.script = ["transient"] * 20
    with transaction.atomic():
        notification = send_code()
    run_like_a_worker(notification.pk, 6)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.QUEUED
    assert notification.attempts == 6
    assert notification.secret_payload != ""
    delivery.deliver(notification.pk)  # what beat's requeue leads to: one more try, no raise
    notification.refresh_from_db()
    assert notification.status == Notification.Status.QUEUED
    assert notification.attempts == 7


def test_it_gives_up_after_the_last_attempt(settings, scripted_sms) -> None:
    settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS = 0
    scripted_sms.script = ["transient"] * 20
    with transaction.atomic():
        notification = send_code()
    run_like_a_worker(notification.pk, settings.NOTIFICATION_MAX_ATTEMPTS)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.last_error_code == "max_attempts"
    assert notification.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert notification.secret_payload == ""


def test_a_task_run_twice_sends_once(django_capture_on_commit_callbacks, scripted_sms) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        notification = send_code()
    delivery.deliver(notification.pk)
    delivery.deliver(notification.pk)
    assert len(scripted_sms.calls) == 1


def test_a_claimed_message_is_not_sent_by_a_second_worker(scripted_sms) -> None:
    with transaction.atomic():
        notification = send_code()
    assert delivery.claim(notification.pk) is not None
    delivery.deliver(notification.pk)
    assert scripted_sms.calls == []


def test_a_claim_returns_the_row_as_it_now_is_and_a_lapsed_lease_can_be_claimed_again(
    settings,
) -> None:
    with transaction.atomic():
        notification = send_code()
    before = timezone.now()
    claimed = delivery.claim(notification.pk)
    assert claimed is not None
    stored = Notification.objects.get(pk=notification.pk)
    assert (claimed.status, claimed.attempts) == ("sending", 1) == (stored.status, stored.attempts)
    assert claimed.claimed_until == stored.claimed_until
    assert claimed.claimed_until >= before + timedelta(
        seconds=settings.NOTIFICATION_SEND_LEASE_SECONDS
    )
    assert claimed.secret_payload == stored.secret_payload != ""
    assert delivery.claim(notification.pk) is None  # the lease holds
    Notification.objects.filter(pk=notification.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1)
    )
    again = delivery.claim(notification.pk)
    assert again is not None and again.attempts == 2
    assert delivery.claim(notification.pk + 1000) is None


def test_the_per_number_budget_blocks_pumping(settings, django_capture_on_commit_callbacks) -> None:
    settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        results = [send_code(to="+33699999999") for _ in range(5)]
    for notification in results:
        notification.refresh_from_db()
    assert [n.status for n in results] == ["sent"] * 3 + ["blocked"] * 2
    assert len(LocmemSmsBackend.outbox) == 3
    assert "budget SMS" in results[-1].last_error
    assert AuditEvent.objects.filter(event_type="sms_blocked").count() == 2
    assert send_code(to="+33611111111").status == "queued"


def test_the_per_number_daily_budget_blocks_what_the_hourly_one_lets_through(
    settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR = 2
    settings.SMS_BUDGET_PER_DESTINATION_PER_DAY = 4
    start = timezone.now()
    statuses = []
    for hour in range(4):  # two an hour, within the hourly budget each time
        with time_machine.travel(start + timedelta(hours=hour, minutes=10 * hour + 1)):
            with django_capture_on_commit_callbacks(execute=True):
                pair = [send_code(to="+33699999999") for _ in range(2)]
            statuses += [Notification.objects.get(pk=n.pk).status for n in pair]
    assert statuses == ["sent"] * 4 + ["blocked"] * 4
    budgets = {e.details["budget"] for e in AuditEvent.objects.filter(event_type="sms_blocked")}
    assert budgets == {"destination_daily"}
    with time_machine.travel(start + timedelta(days=1, hours=4)):
        assert send_code(to="+33699999999").status == "queued"  # a new day


def test_the_global_budget_blocks_every_number(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.SMS_BUDGET_GLOBAL_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        sent = [send_code(to=f"+336123456{n:02d}") for n in range(4)]
    statuses = [Notification.objects.get(pk=n.pk).status for n in sent]
    assert statuses == ["sent", "sent", "blocked", "blocked"]


def test_an_email_has_text_and_html_parts_sender_and_reply_to(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.EMAIL_REPLY_TO = "secretariat@exemple.fr"
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            channel="email",
            destination="hugo.dupont@exemple.fr",
            template="password_reset_link",
            context={"identifier": "hugo.dupont1"},
            secrets={"link": "https://portail.exemple.fr/lien/SECRET-TOKEN-abc/"},
        )
    [message] = mail.outbox
    assert message.to == ["hugo.dupont@exemple.fr"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.reply_to == ["secretariat@exemple.fr"]
    assert "SECRET-TOKEN-abc" in message.body
    assert "SECRET-TOKEN-abc" in message.alternatives[0][0]
    assert message.extra_headers["Message-ID"] == f"<notification-{notification.pk}@127.0.0.1>"
    notification.refresh_from_db()
    assert "SECRET-TOKEN-abc" not in notification.body
    assert notification.status == "sent"
    assert notification.masked_destination == "h•••@exemple.fr"


def test_notices_never_use_up_the_budget_of_the_code_someone_waits_for(
    settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        notices = [
            notification_send(
                channel="sms",
                destination="+33699999999",
                template=template,
                context={"identifier": "patrick.dupont1"},
            )
            for template in ("welcome", "password_changed", "contact_changed", "welcome")
        ]
        code = send_code(to="+33699999999")
    statuses = [Notification.objects.get(pk=n.pk).status for n in notices]
    assert statuses == ["sent", "sent", "sent", "blocked"]  # notices have their own budget
    assert Notification.objects.get(pk=code.pk).status == "sent"  # the code still leaves


def test_a_message_goes_in_the_language_the_person_used_and_is_logged_in_french(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            channel="sms",
            destination="+33612345678",
            template="password_changed",
            context={"identifier": "patrick.dupont1"},
        )
    assert "password" in LocmemSmsBackend.outbox[-1].body  # sent in English
    assert "mot de passe" in Notification.objects.get(pk=notification.pk).body  # logged in French


def test_the_global_budget_outlives_a_cache_flush(
    settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """The global count lives in cache counters; losing them (a Redis restart) must not give a
    pumping attacker a fresh hour: the first message after recounts the log."""
    settings.SMS_BUDGET_GLOBAL_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        before = [send_code(to=f"+336123456{n:02d}") for n in range(2)]
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        after = [send_code(to=f"+336223456{n:02d}") for n in range(3)]
    statuses = [Notification.objects.get(pk=n.pk).status for n in before + after]
    assert statuses == ["sent", "sent", "sent", "blocked", "blocked"]


def test_a_message_blocked_by_its_number_leaves_the_global_budget_to_others(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_BUDGET_GLOBAL_PER_HOUR = 3
    settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR = 1
    statuses = [send_code(to="+33699999999").status for _ in range(4)]
    statuses += [send_code(to=f"+336123456{n:02d}").status for n in range(3)]
    assert statuses == ["queued"] + ["blocked"] * 3 + ["queued", "queued", "blocked"]


def test_the_global_budget_counts_the_whole_last_hour_only(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SMS_BUDGET_GLOBAL_PER_HOUR = 2
    start = timezone.now()
    with time_machine.travel(start):
        assert [send_code(to=f"+336123456{n:02d}").status for n in range(3)] == [
            "queued",
            "queued",
            "blocked",
        ]
    with time_machine.travel(start + timedelta(minutes=59)):
        assert send_code(to="+33612345699").status == "blocked"
    with time_machine.travel(start + timedelta(minutes=62)):
        assert send_code(to="+33612345698").status == "queued"


@pytest.mark.skipif(
    not django_settings.REDIS_URL,
    reason="needs Redis (REDIS_URL unset): the embedded run counts in the local-memory cache",
)
def test_on_redis_the_global_budget_is_one_round_trip_and_the_cache_keeps_one_client(
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    """The hour's 61 minute counters (183 for a notice) are counted and summed in one
    MULTI/EXEC, not four commands through a new client each."""
    send_code(to="+33612345601")  # the first message after a flush recounts the log
    trips: list[str] = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *args, **kwargs: trips.append(str(args[0])) or command(self, *args, **kwargs),
    )
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *args, **kwargs: trips.append("pipeline") or execute(self, *args, **kwargs),
    )
    assert budget_exceeded("sms", "+33612345602", timezone.now(), template="signup_code") == ""
    assert trips == ["pipeline"]
    client = caches["default"]._cache  # type: ignore[attr-defined]
    assert client.get_client() is client.get_client(write=True)
