"""Services registered by the académie in the console: superusers only, audited, the secret
shown once and rotatable; signing keys rotated without breaking live tokens."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.test import Client as BrowserClient
from django.urls import reverse

from accounts.events import EventType
from accounts.models import AuditEvent, User
from accounts.services import user_create
from identity.keys import jwks
from identity.models import Client, SigningKey
from tests.identity.conftest import make_client, make_flow

pytestmark = pytest.mark.django_db


def staff(superuser: bool) -> User:
    user = user_create(
        kind=User.Kind.STAFF, first_name="Admin", last_name="Rectorat", password="Rectorat-2026!"
    )
    user.is_staff = True
    user.is_superuser = superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


@pytest.fixture
def academie(settings: Any) -> BrowserClient:  # type: ignore[no-any-unimported]
    settings.ADMIN_REQUIRES_OTP = False
    client = BrowserClient()
    client.force_login(staff(superuser=True))
    return client


def test_a_superuser_registers_a_service_and_sees_its_secret_once(
    academie: BrowserClient,
) -> None:
    response = academie.post(
        reverse("admin:identity_client_add"),
        {
            "name": "Vie scolaire",
            "client_type": "confidential",
            "redirect_uris": "https://vs.exemple.fr/retour",
            "post_logout_redirect_uris": "",
            "backchannel_logout_uri": "https://vs.exemple.fr/bcl",
            "allowed_scopes": "openid profile",
            "sector_identifier": "",
        },
    )
    assert response.status_code == HTTPStatus.OK, response.content.decode()[:2000]
    secret = re.search(r'data-testid="client-secret">([^<]+)<', response.content.decode())
    assert secret is not None
    client = Client.objects.get(name="Vie scolaire")
    assert client.client_secret != secret.group(1)
    assert check_password(secret.group(1), client.client_secret)
    assert client.sector == "vs.exemple.fr"
    assert AuditEvent.objects.filter(event_type=EventType.OIDC_CLIENT_CREATED).count() == 1
    change = academie.get(reverse("admin:identity_client_change", args=[client.pk]))
    assert secret.group(1) not in change.content.decode()


def test_rotating_the_secret_shows_the_new_one_and_kills_the_old(academie: BrowserClient) -> None:
    client = make_client()
    old_hash = Client.objects.get(pk=client.pk).client_secret
    response = academie.post(
        reverse("admin:identity_client_changelist"),
        {"action": "rotate_secret", "_selected_action": [client.pk]},
    )
    assert response.status_code == HTTPStatus.OK
    secret = re.search(r'data-testid="client-secret">([^<]+)<', response.content.decode())
    assert secret is not None
    client.refresh_from_db()
    assert client.client_secret != old_hash
    assert check_password(secret.group(1), client.client_secret)
    assert AuditEvent.objects.filter(event_type=EventType.OIDC_CLIENT_SECRET_ROTATED).count() == 1


def test_an_unknown_scope_is_refused_in_the_form(academie: BrowserClient) -> None:
    response = academie.post(
        reverse("admin:identity_client_add"),
        {
            "name": "Curieux",
            "client_type": "public",
            "redirect_uris": "https://c.exemple.fr/",
            "allowed_scopes": "openid mobile",
        },
    )
    assert "Portées inconnues : mobile." in response.content.decode()
    assert not Client.objects.exists()


def test_a_school_secretariat_cannot_see_the_services(settings: Any) -> None:
    settings.ADMIN_REQUIRES_OTP = False
    make_client()
    secretary = BrowserClient()
    secretary.force_login(staff(superuser=False))
    assert secretary.get(reverse("admin:identity_client_changelist")).status_code == (
        HTTPStatus.FORBIDDEN
    )
    assert "identity" not in secretary.get(reverse("admin:index")).content.decode().lower()


def test_changes_and_deletions_are_audited(academie: BrowserClient) -> None:
    client = make_client()
    academie.post(
        reverse("admin:identity_client_change", args=[client.pk]),
        {
            "name": "ENT du collège Jean Moulin",
            "client_type": "confidential",
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
            "backchannel_logout_uri": client.backchannel_logout_uri,
            "allowed_scopes": "openid profile",
            "sector_identifier": client.sector_identifier,
        },
    )
    changed = AuditEvent.objects.get(event_type=EventType.OIDC_CLIENT_CHANGED)
    assert "name" in changed.details["fields"] and "allowed_scopes" in changed.details["fields"]
    academie.post(reverse("admin:identity_client_delete", args=[client.pk]), {"post": "yes"})
    assert AuditEvent.objects.filter(event_type=EventType.OIDC_CLIENT_DELETED).count() == 1


def test_a_rotated_key_stays_published_and_old_tokens_still_verify(
    browser: BrowserClient, ent: Client, capsys: Any
) -> None:
    flow = make_flow(ent, browser)
    before = flow.fetch_token(flow.authorize())
    old_kid = SigningKey.objects.get().kid
    call_command("rotate_oidc_key")
    assert "Nouvelle clé de signature" in capsys.readouterr().out
    kids = [key["kid"] for key in jwks()["keys"]]
    assert len(kids) == 2 and old_kid in kids
    assert flow.verified_id_token(before)["aud"] == ent.client_id
    after = make_flow(ent, browser)
    token = after.fetch_token(after.authorize())
    assert after.verified_id_token(token)["aud"] == ent.client_id
    assert AuditEvent.objects.filter(event_type=EventType.OIDC_SIGNING_KEY_ROTATED).count() == 1


def test_a_key_retired_longer_than_any_token_lives_is_no_longer_published(
    settings: Any,
) -> None:
    import time_machine

    first = SigningKey.objects.current()
    call_command("rotate_oidc_key")
    with time_machine.travel(f"{first.created_at.year + 1}-01-01T00:00:00Z"):
        kids = [key["kid"] for key in jwks()["keys"]]
    assert first.kid not in kids and len(kids) == 1


def test_the_academie_reads_what_was_sent_to_each_service(academie: BrowserClient) -> None:
    page = academie.get(reverse("admin:identity_backchannellogout_changelist"))
    assert page.status_code == HTTPStatus.OK
