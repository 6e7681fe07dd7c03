"""``/healthz`` reports the database, the cache and the broker."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from educonnect import health

pytestmark = pytest.mark.django_db


def test_it_reports_every_part_healthy(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"status": "ok", "database": True, "cache": True, "broker": True}
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_503_when_a_part_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "check_cache", lambda: False)
    response = client.get(reverse("healthz"))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json()["cache"] is False


def test_an_unreachable_broker_is_reported(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from educonnect.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    assert health.check_broker() is False
