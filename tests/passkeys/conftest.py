"""A real session store, the relying party on http://localhost:8000, a registered passkey."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from accounts.models import User
from core.http import RequestFacts
from passkeys import ceremonies
from passkeys.models import PasskeyCredential
from passkeys.services import credential_add
from tests.passkeys.authenticator import SoftAuthenticator

ORIGIN = "http://localhost:8000"
FACTS = RequestFacts(ip_address="192.0.2.10", user_agent="pytest")


@pytest.fixture(autouse=True)
def _relying_party(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = ORIGIN
    settings.WEBAUTHN_RP_ID = ""


@pytest.fixture
def session(db: None) -> SessionBase:
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore()
    store.create()
    return store


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id="localhost")


def register(
    session: SessionBase,
    user: User,
    authenticator: SoftAuthenticator,
    *,
    second_factor: bool = False,
) -> PasskeyCredential:
    options = ceremonies.registration_options(session, user)
    new = ceremonies.registration_verify(session, user, authenticator.register(options))
    return credential_add(
        user=user, new=new, name="Téléphone", is_second_factor=second_factor, facts=FACTS
    )


@pytest.fixture
def passkey(
    session: SessionBase, parent: User, authenticator: SoftAuthenticator
) -> PasskeyCredential:
    return register(session, parent, authenticator)
