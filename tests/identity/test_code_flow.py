"""A service logs a parent in: discovery, consent, code + PKCE, ID token, userinfo, refresh,
revocation, checked by authlib (a client library none of this code wrote)."""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse
from joserfc.errors import InvalidClaimError, MissingClaimError

from accounts.models import AuditEvent, User
from identity.models import Client
from tests.identity.conftest import ENT_REDIRECT, endpoint, issuer, make_flow

pytestmark = pytest.mark.django_db


def test_it_publishes_a_discovery_document_naming_every_endpoint(client: BrowserClient) -> None:
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == HTTPStatus.OK
    data = response.json()
    assert data["issuer"] == issuer()
    assert data["authorization_endpoint"] == endpoint("/oidc/autorisation/")
    assert data["token_endpoint"] == endpoint("/oidc/jeton/")
    assert data["userinfo_endpoint"] == endpoint("/oidc/infos/")
    assert data["revocation_endpoint"] == endpoint("/oidc/revocation/")
    assert data["end_session_endpoint"] == endpoint("/oidc/deconnexion/")
    assert data["jwks_uri"] == endpoint("/.well-known/jwks.json")
    assert data["response_types_supported"] == ["code"]
    assert data["subject_types_supported"] == ["pairwise"]
    assert data["id_token_signing_alg_values_supported"] == ["RS256"]
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["backchannel_logout_supported"] is True
    assert "scolarite" in data["scopes_supported"]


def test_it_publishes_an_rsa_key_made_on_first_use(client: BrowserClient) -> None:
    keys = client.get(reverse("oauth2_provider:jwks-info")).json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert "d" not in keys[0], "the private exponent must never be published"


def test_it_logs_a_parent_into_a_service_with_code_and_pkce(
    browser: BrowserClient, ent: Client, family: dict[str, Any]
) -> None:
    flow = make_flow(ent, browser)
    consent = browser.get(flow.authorization_url()[len(issuer()) :])
    assert consent.status_code == HTTPStatus.OK
    page = consent.content.decode()
    assert "ENT du collège souhaite vous connecter" in page
    assert "Léa (5A, 0750654D)" in page and "Hugo (2nde 3, 0910000F)" in page
    assert "Chloé" not in page and "Yanis" not in page

    response = flow.authorize()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(ENT_REDIRECT + "?")
    token = flow.fetch_token(response)
    claims = flow.verified_id_token(token)
    assert claims["aud"] == ent.client_id
    assert claims["nonce"] == flow.nonce
    assert claims["given_name"] == "Patrick" and claims["kind"] == "parent"
    children = claims["scolarite"]["enfants"]
    assert [child["given_name"] for child in children] == ["Hugo", "Léa"]

    userinfo = flow.session.get(endpoint("/oidc/infos/")).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["scolarite"] == claims["scolarite"]


def test_a_client_refuses_an_id_token_carrying_the_nonce_of_another_login(
    browser: BrowserClient, ent: Client
) -> None:
    """The portal echoes the authorization request's nonce, so a client comparing it with the
    nonce of its own login attempt refuses an ID token replayed or injected from another
    attempt (OpenID Connect Core 1.0 §3.1.3.7, rule 11)."""
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    sent, flow.nonce = flow.nonce, secrets.token_urlsafe(16)  # the attempt the client is in
    with pytest.raises(InvalidClaimError, match="nonce"):
        flow.verified_id_token(token)
    flow.nonce = sent
    assert flow.verified_id_token(token)["nonce"] == sent


def test_a_client_refuses_an_id_token_without_the_nonce_it_sent(
    browser: BrowserClient, ent: Client
) -> None:
    """A login started without a nonce gets an ID token without one (the portal invents
    none); a client that sent a nonce refuses such a token."""
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize(with_nonce=False))
    assert "nonce" not in flow.verified_id_token(token)
    flow.nonce = secrets.token_urlsafe(16)
    with pytest.raises(MissingClaimError, match="nonce"):
        flow.verified_id_token(token)


def test_it_rotates_the_refresh_token_and_refuses_the_old_one(
    browser: BrowserClient, ent: Client
) -> None:
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    renewed = flow.session.refresh_token(endpoint("/oidc/jeton/"), token["refresh_token"])
    assert renewed["refresh_token"] != token["refresh_token"]
    assert renewed["access_token"] != token["access_token"]
    replay = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(ent.client_id, flow.session.client_secret),
    )
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert replay.json()["error"] == "invalid_grant"


def test_a_revoked_access_token_no_longer_opens_userinfo(
    browser: BrowserClient, ent: Client
) -> None:
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.OK
    revoked = flow.session.revoke_token(
        endpoint("/oidc/revocation/"), token["access_token"], token_type_hint="access_token"
    )
    assert revoked.status_code == HTTPStatus.OK
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED
    refresh = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(ent.client_id, flow.session.client_secret),
    )
    assert refresh.status_code == HTTPStatus.BAD_REQUEST


def test_a_public_client_logs_in_with_pkce_and_no_secret(
    browser: BrowserClient, public_app: Client
) -> None:
    flow = make_flow(public_app, browser, secret="", scope="openid profile")
    token = flow.fetch_token(flow.authorize())
    claims = flow.verified_id_token(token)
    assert claims["kind"] == "parent"
    assert "scolarite" not in claims


def test_consent_is_asked_once_then_remembered(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    flow.fetch_token(flow.authorize())
    again = browser.get(flow.authorization_url()[len(issuer()) :])
    assert again.status_code == HTTPStatus.FOUND
    assert again["Location"].startswith(ENT_REDIRECT + "?code=")


def test_a_service_the_academie_runs_skips_consent(browser: BrowserClient, ent: Client) -> None:
    ent.skip_authorization = True
    ent.save(update_fields=["skip_authorization"])
    flow = make_flow(ent, browser)
    response = browser.get(flow.authorization_url()[len(issuer()) :])
    assert response.status_code == HTTPStatus.FOUND
    assert "state=" + flow.state in response["Location"]


def test_refusing_consent_sends_access_denied_back_with_the_state(
    browser: BrowserClient, ent: Client
) -> None:
    from urllib.parse import parse_qs, urlsplit

    flow = make_flow(ent, browser)
    url = flow.authorization_url()
    form = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    response = browser.post(urlsplit(url).path, form)
    assert response.status_code == HTTPStatus.FOUND
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == [flow.state]


def test_the_authorization_response_names_the_issuer_against_mix_up(
    browser: BrowserClient, ent: Client
) -> None:
    from urllib.parse import parse_qs, urlsplit

    response = make_flow(ent, browser).authorize()
    assert parse_qs(urlsplit(response["Location"]).query)["iss"] == [issuer()]


def test_a_code_exchanged_twice_revokes_what_the_first_exchange_issued(
    browser: BrowserClient, ent: Client, parent_user: User
) -> None:
    """RFC 6749 §4.1.2: a reused code means it leaked; the tokens it gave die too."""
    flow = make_flow(ent, browser)
    response = flow.authorize()
    token = flow.fetch_token(response)
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.OK
    replay = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={
            "grant_type": "authorization_code",
            "code": flow.code_from(response),
            "redirect_uri": ENT_REDIRECT,
            "code_verifier": flow.verifier,
        },
        auth=(ent.client_id, flow.session.client_secret),
    )
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert replay.json()["error"] == "invalid_grant"
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED
    refresh = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(ent.client_id, flow.session.client_secret),
    )
    assert refresh.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.OIDC_CODE_REUSED, subject=parent_user
    ).exists()


def test_a_made_up_code_revokes_nothing(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    flow.fetch_token(flow.authorize())
    guess = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={"grant_type": "authorization_code", "code": "x" * 30, "redirect_uri": ENT_REDIRECT},
        auth=(ent.client_id, flow.session.client_secret),
    )
    assert guess.json()["error"] == "invalid_grant"
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.OK
