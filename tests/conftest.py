"""Shared fixtures: fast hashing for unit tests, a private outbox, small factories."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import Establishment, Guardian, Guardianship, Student, User
from accounts.services import user_create
from notifications.backends.sms import LocmemSmsBackend

DEMO_PASSWORD = "Cartable-Bleu-2026"

# Real-services and benchmark runs keep argon2 (STYLE.md); everything else hashes fast.
REAL_SERVICES = bool(settings.REDIS_URL) and settings.DATABASES["default"]["ENGINE"].endswith(
    "postgresql"
)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the portal's default language. Django's LocaleMiddleware activates
    a request's language in the thread and nothing deactivates it after the response: an
    English page requested by one test would otherwise make the next test's forms English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _test_settings(settings: pytest.FixtureRequest, tmp_path: Path, request) -> Iterator[None]:
    from educonnect.celery import app

    real_services = request.node.get_closest_marker("services") is not None
    if not real_services:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate limits and login throttling count on the cache: each test gets its own key space,
    # without flushing a Redis database the real-services suite's broker may share.
    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }
    settings.OUTBOX_DIR = tmp_path / "outbox"
    settings.SMS_BACKEND = "locmem"
    LocmemSmsBackend.outbox = []
    # Unit and integration tests run tasks in-process even when REDIS_URL is set; the
    # real-services suite sends them to a real worker.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = not real_services
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def college(db: None) -> Establishment:
    return Establishment.objects.create(
        uai="0750654D", name="Collège Jean Moulin", academie="Paris", kind="college"
    )


@pytest.fixture
def lycee(db: None) -> Establishment:
    return Establishment.objects.create(
        uai="0910000F", name="Lycée Victor Hugo", academie="Versailles", kind="lycee"
    )


def make_student(establishment: Establishment, **fields) -> Student:
    defaults = {
        "last_name": "Dupont",
        "first_name": "Léa",
        "birth_date": dt.date(2012, 3, 14),
        "class_name": "5A",
    }
    defaults.update(fields)
    return Student.objects.create(establishment=establishment, **defaults)


def make_guardian(establishment: Establishment, **fields) -> Guardian:
    defaults = {"last_name": "Dupont", "first_name": "Patrick", "mobile": "+33612345678"}
    defaults.update(fields)
    return Guardian.objects.create(establishment=establishment, **defaults)


def make_parent_account(
    guardian: Guardian, password: str = DEMO_PASSWORD, student: Student | None = None
) -> User:
    user = user_create(
        kind=User.Kind.PARENT,
        first_name=guardian.first_name,
        last_name=guardian.last_name,
        password=password,
    )
    guardian.account = user
    guardian.save(update_fields=["account"])
    if student is not None:
        Guardianship.objects.get_or_create(student=student, guardian=guardian)
    return user


@pytest.fixture
def parent(college: Establishment) -> User:
    student = make_student(college)
    guardian = make_guardian(college)
    return make_parent_account(guardian, student=student)
