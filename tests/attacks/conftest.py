"""Fixtures of the attack suite: a school with registered and unregistered parents, a student
reached by e-mail, clients behind a trusted proxy, and row counts to prove nothing was written."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import (
    AttachmentReport,
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    StaffInvitation,
    Student,
    User,
    UserSession,
)
from notifications.models import Notification
from recovery.models import VerificationCode
from tests.conftest import make_guardian, make_parent_account, make_student
from tests.identity.conftest import browser, ent, family, parent_user, public_app  # noqa: F401
from tests.recovery.conftest import delivered, student  # noqa: F401 - fixtures re-exported
from tests.recovery.signup_support import Family, nadia_family

WRONG_PASSWORD = "Pas-Le-Bon-2026"  # noqa: S105 - what an attacker types

# Every model a public form or an account page could write to (DESIGN §4: no partial write).
COUNTED_MODELS = (
    User,
    Guardian,
    Guardianship,
    Student,
    Notification,
    VerificationCode,
    AuditEvent,
    AttachmentReport,
    UserSession,
    TOTPDevice,
    StaticDevice,
    StaffInvitation,
)


def row_counts(*models: type) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models or COUNTED_MODELS}


@pytest.fixture
def nadia(college: Establishment) -> Family:
    """Nadia Benali: in the roster with a child, no account yet (can self-register)."""
    return nadia_family(college)


@pytest.fixture
def generous_limits(settings) -> None:
    """Rate limits out of the way, for tests that measure something else than the limits."""
    settings.RATE_LIMITS = {name: "100000/h/key,100000/h/ip" for name in settings.RATE_LIMITS}


@pytest.fixture
def behind_proxy(settings) -> Callable[[str], Client]:
    """``from_ip("203.0.113.7")``: a fresh browser whose address the trusted proxy reports."""
    settings.TRUSTED_PROXY_COUNT = 1

    def from_ip(address: str) -> Client:
        return Client(HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR="10.0.0.1")

    return from_ip


def make_parents(school: Establishment, count: int, *, with_account: bool) -> list[Guardian]:
    """``count`` parents, each the legal guardian of one child, with distinct mobiles."""
    guardians = []
    for number in range(count):
        child = make_student(school, last_name=f"Famille{number:02d}", first_name="Enfant")
        guardian = make_guardian(
            school,
            last_name=f"Famille{number:02d}",
            first_name="Parent",
            mobile=f"+336{40000000 + number:08d}",
        )
        Guardianship.objects.create(
            guardian=guardian, student=child, responsibility_level=1, relationship="mere"
        )
        if with_account:
            make_parent_account(guardian)
        guardians.append(guardian)
    return guardians


@pytest.fixture
def logged_in_parent(client: Client, parent: User) -> Iterator[Client]:
    client.post(
        reverse("accounts:login"),
        {"identifier": parent.identifier, "password": "Cartable-Bleu-2026"},
    )
    yield client


@pytest.fixture(autouse=True)
def _one_middleware_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build the middleware chain once per test, not once per ``Client``: with
    WHITENOISE_USE_FINDERS (DEBUG) each build scans every static file, 0.5–2 s, which
    dwarfs the requests these tests make from hundreds of fresh browsers."""
    from django.test.client import ClientHandler

    build = ClientHandler.load_middleware
    built: dict[bool, tuple[object, ...]] = {}
    names = (
        "_middleware_chain",
        "_view_middleware",
        "_template_response_middleware",
        "_exception_middleware",
    )

    def load_middleware(self: ClientHandler, is_async: bool = False) -> None:
        if is_async not in built:
            build(self, is_async)
            built[is_async] = tuple(getattr(self, name) for name in names)
        for name, value in zip(names, built[is_async], strict=True):
            setattr(self, name, value)

    monkeypatch.setattr(ClientHandler, "load_middleware", load_middleware)
