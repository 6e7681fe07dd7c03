"""A service logs a parent in: discovery, consent, code + PKCE, ID token, userinfo, refresh,
revocation, checked by authlib (a client library none of this code wrote)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

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
