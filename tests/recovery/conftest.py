"""Fixtures of the recovery journeys: a parent reached by SMS, a student by e-mail, and a
client whose deliveries run as they would after the commit (tasks in-process)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Establishment, User
from accounts.services import user_create
from notifications.backends.sms import LocmemSmsBackend
from tests.conftest import make_student

NEW_PASSWORD = "Trousse-Verte-2027"
STUDENT_EMAIL = "lea.dupont@eleve.exemple.fr"


@pytest.fixture
def student(college: Establishment) -> User:
    return user_create(
        kind=User.Kind.STUDENT,
        first_name="Léa",
        last_name="Dupont",
        password="Cahier-Rouge-2026",
        email=STUDENT_EMAIL,
        email_verified=True,
        student_id=make_student(college).pk,
    )


@pytest.fixture
def delivered(django_capture_on_commit_callbacks) -> Callable[[], AbstractContextManager[object]]:
    """``with delivered(): client.post(...)``: run what the request enqueued, as a worker would."""

    def run() -> AbstractContextManager[object]:
        return django_capture_on_commit_callbacks(execute=True)

    return run


def text(response) -> str:
    """The page's HTML with entities decoded, to look for French sentences with apostrophes."""
    return html.unescape(response.content.decode())


def last_code() -> str:
    match = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body)
    assert match, LocmemSmsBackend.outbox[-1].body
    return match.group(1)


def last_link() -> str:
    match = re.search(r"https?://\S+/mot-de-passe-perdu/lien/\S+/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(0)


def ask_reset(client: Client, identifier: str, channel: str = "sms"):
    return client.post(
        reverse("recovery:forgot_password"), {"identifier": identifier, "channel": channel}
    )


def post_code(client: Client, code: str):
    return client.post(reverse("recovery:forgot_password_sent"), {"code": code})


def post_new_password(client: Client, password: str = NEW_PASSWORD):
    return client.post(
        reverse("recovery:forgot_password_new"),
        {"new_password1": password, "new_password2": password},
    )
