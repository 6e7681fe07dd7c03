"""PostgreSQL and Redis for real: constraints, concurrency, cache, broker and argon2."""

from __future__ import annotations

import threading
from http import HTTPStatus

import pytest
import redis
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.services import user_create
from educonnect import health


def test_it_runs_on_postgresql() -> None:
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_the_case_insensitive_identifier_index_holds_in_postgresql() -> None:
    User.objects.create(identifier="lea.dupont1", kind="student")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(identifier="LEA.DUPONT1".lower(), kind="parent")


@pytest.mark.django_db(transaction=True)
def test_namesakes_created_at_the_same_moment_get_distinct_identifiers() -> None:
    barrier = threading.Barrier(8)
    identifiers: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            barrier.wait()
            user = user_create(
                kind="parent", first_name="Patrick", last_name="Dupont", password=None
            )
            identifiers.append(user.identifier)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(identifiers) == sorted(f"patrick.dupont{n}" for n in range(1, 9))


def test_the_cache_is_redis_and_shared() -> None:
    cache.set("services-probe", "bonjour", timeout=30)
    raw = redis.Redis.from_url(settings.REDIS_URL)
    keys = [key.decode() for key in raw.keys("*services-probe*")]
    assert keys, "the Django cache did not write to the Redis server"
    assert cache.get("services-probe") == "bonjour"


@pytest.mark.django_db
def test_health_reports_postgresql_redis_and_the_broker(client: Client) -> None:
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": True, "cache": True, "broker": True}
    assert health.check_broker() is True


@pytest.mark.django_db
def test_passwords_are_stored_with_argon2id_and_the_portal_parameters() -> None:
    user = user_create(
        kind="parent", first_name="Patrick", last_name="Dupont", password="Cartable-Bleu-2026"
    )
    assert user.password.startswith("argon2$argon2id$v=19$m=32768,t=2,p=1$")
    assert authenticate(username="patrick.dupont1", password="Cartable-Bleu-2026") == user
