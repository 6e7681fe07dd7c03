"""Recovery on real PostgreSQL and Redis: rate limits shared through Redis, and a code that two
browsers submit at the same instant works once (row claimed in PostgreSQL)."""

from __future__ import annotations

import threading
import time
from http import HTTPStatus

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from recovery import codes
from recovery.errors import RecoveryError
from recovery.flows.forgot_password import SESSION_KEY, ForgotPasswordFlow, Step


@pytest.mark.django_db
def test_the_forgot_password_limit_is_counted_in_redis_for_every_process() -> None:
    for number in range(5):
        response = Client(REMOTE_ADDR=f"10.9.0.{number}").post(
            reverse("recovery:forgot_password"),
            {"identifier": "camille.martin1", "channel": "sms"},
        )
        assert response.status_code == HTTPStatus.FOUND
    response = Client(REMOTE_ADDR="10.9.1.1").post(
        reverse("recovery:forgot_password"), {"identifier": "camille.martin1", "channel": "sms"}
    )
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    keys = redis.Redis.from_url(settings.REDIS_URL).keys("*rl:*")
    assert keys, "the rate-limit counters are not in Redis"


@pytest.mark.django_db(transaction=True)
def test_a_code_submitted_twice_at_the_same_instant_works_once(parent: User) -> None:
    code = "482913"
    codes.code_issue(
        purpose="password_reset",
        channel="sms",
        destination="+33612345678",
        user_id=parent.pk,
        secret=code,
        now=timezone.now(),
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit() -> None:
        session = SessionStore()
        session[SESSION_KEY] = {
            "step": Step.CODE,
            "identifier": parent.identifier,
            "channel": "sms",
            "started_at": time.time(),
            "sent_at": time.time(),
            "attempts": 0,
        }
        try:
            barrier.wait()
            ForgotPasswordFlow(session).confirm(code)
            outcomes.append("accepted")
        except RecoveryError as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["CodeUsed", "accepted"]
