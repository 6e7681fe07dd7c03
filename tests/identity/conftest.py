"""Fixtures of the identity provider tests: registered services, and a code + PKCE flow driven
by authlib's OAuth2Session against the Django test client (``DjangoTransport``)."""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():
    # authlib 1.x announces joserfc; authlib.jose stays until 2.0 and is what we test with.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.test import Client as BrowserClient

from accounts.models import Establishment, User
from identity.delivery import LOGOUT_EVENT
from identity.models import Client
from tests.conftest import make_guardian, make_parent_account, make_student
from tests.identity.django_transport import DjangoTransport

ENT_SECRET = "secret-de-l-ent-du-college-0123456789"
ENT_REDIRECT = "https://ent.exemple.fr/oidc/retour"
ENT_LOGOUT = "https://ent.exemple.fr/au-revoir"
ENT_BACKCHANNEL = "https://ent.exemple.fr/oidc/backchannel"
PUBLIC_REDIRECT = "https://appli.exemple.fr/retour"


def issuer() -> str:
    return str(settings.OIDC_ISSUER)


def endpoint(path: str) -> str:
    return issuer() + path


def make_client(**fields: Any) -> Client:
    defaults: dict[str, Any] = {
        "name": "ENT du collège",
        "client_type": Client.CLIENT_CONFIDENTIAL,
        "redirect_uris": ENT_REDIRECT,
        "post_logout_redirect_uris": ENT_LOGOUT,
        "backchannel_logout_uri": ENT_BACKCHANNEL,
        "allowed_scopes": "openid profile scolarite",
        "sector_identifier": "ent.exemple.fr",
        "client_secret": ENT_SECRET,
    }
    defaults.update(fields)
    return Client.objects.create(**defaults)


@pytest.fixture
def ent(db: None) -> Client:
    return make_client()


@pytest.fixture
def public_app(db: None) -> Client:
    return make_client(
        name="Appli des devoirs",
        client_type=Client.CLIENT_PUBLIC,
        redirect_uris=PUBLIC_REDIRECT,
        post_logout_redirect_uris="",
        backchannel_logout_uri="",
        sector_identifier="appli.exemple.fr",
        client_secret="",
    )


@pytest.fixture
def family(college: Establishment, lycee: Establishment) -> dict[str, Any]:
    """A father legally responsible for Léa (collège) and Hugo (lycée), merely a contact for
    Chloé (level 2), with nothing to do with Yanis."""
    lea = make_student(college, first_name="Léa", class_name="5A", ine="070123456AB")
    hugo = make_student(lycee, first_name="Hugo", class_name="2nde 3", ine="070123457AC")
    chloe = make_student(college, first_name="Chloé", last_name="Lefèvre", class_name="3C")
    yanis = make_student(college, first_name="Yanis", last_name="Benali", class_name="4B")
    at_college = make_guardian(college, mobile="+33612345678")
    parent = make_parent_account(at_college, student=lea)
    at_lycee = make_guardian(lycee, mobile="+33612345678", account=parent)
    at_lycee.students.add(hugo, through_defaults={"responsibility_level": 1})
    at_college.students.add(chloe, through_defaults={"responsibility_level": 2})
    return {"parent": parent, "lea": lea, "hugo": hugo, "chloe": chloe, "yanis": yanis}


@pytest.fixture
def parent_user(family: dict[str, Any]) -> User:
    return family["parent"]  # type: ignore[no-any-return]


@dataclass
class Flow:
    """One relying party's authorization code + PKCE flow, as authlib drives it."""

    session: OAuth2Session
    browser: BrowserClient
    client: Client
    nonce: str = ""
    verifier: str = ""
    state: str = ""

    def authorization_url(self, *, with_nonce: bool = True, **params: Any) -> str:
        self.nonce = secrets.token_urlsafe(16) if with_nonce else ""
        self.verifier = secrets.token_urlsafe(48)
        url, self.state = self.session.create_authorization_url(
            endpoint("/oidc/autorisation/"),
            code_verifier=self.verifier,
            nonce=self.nonce or None,
            **params,
        )
        return str(url)

    def authorize(self, **params: Any):  # type: ignore[no-untyped-def]
        """Open the authorization URL in the browser and accept the consent page if shown."""
        url = self.authorization_url(**params)
        path = url[len(issuer()) :]
        response = self.browser.get(path)
        if response.status_code == 200 and b'name="allow"' in response.content:
            form = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
            response = self.browser.post(urlsplit(url).path, {**form, "allow": "on"})
        return response

    def code_from(self, response) -> str:  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(response["Location"]).query)
        return query["code"][0]

    def fetch_token(self, response, **kwargs: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        return self.session.fetch_token(  # type: ignore[no-any-return]
            endpoint("/oidc/jeton/"),
            authorization_response=response["Location"],
            code_verifier=kwargs.pop("code_verifier", self.verifier),
            **kwargs,
        )

    def jwks(self) -> Any:
        return JsonWebKey.import_key_set(
            self.session.get(endpoint("/.well-known/jwks.json")).json()
        )

    def verified_id_token(self, token: dict[str, Any]) -> dict[str, Any]:
        """The ID token, signature and claims checked by authlib (iss, aud, exp, nonce, at_hash)."""
        claims = JsonWebToken(["RS256"]).decode(
            token["id_token"],
            key=self.jwks(),
            claims_cls=CodeIDToken,
            claims_options={"iss": {"essential": True, "value": issuer()}},
            claims_params={
                "nonce": self.nonce,
                "client_id": self.client.client_id,
                "access_token": token["access_token"],
            },
        )
        claims.validate(leeway=5)
        return dict(claims)


def make_flow(
    client: Client,
    browser: BrowserClient,
    secret: str = ENT_SECRET,
    scope: str = "openid profile scolarite",
) -> Flow:
    session = OAuth2Session(
        client.client_id,
        secret or None,
        scope=scope,
        redirect_uri=client.redirect_uris.split()[0],
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
    )
    session.mount(issuer(), DjangoTransport())
    return Flow(session=session, browser=browser, client=client)


@pytest.fixture
def browser(parent_user: User) -> BrowserClient:
    client = BrowserClient()
    client.force_login(parent_user)
    return client


class Answer:
    """What ``requests.post`` returns to the worker, for a mocked back-channel URI."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


def signed_in(browser: BrowserClient, client: Client) -> tuple[Flow, dict[str, Any]]:
    """A code + PKCE flow completed in ``browser``: the service now holds live tokens."""
    flow = make_flow(client, browser)
    token = flow.fetch_token(flow.authorize())
    return flow, token


def validated_logout_token(flow: Flow, logout_token: str) -> dict[str, Any]:
    """What a service does with the token (§2.6): signature, iss, aud, iat, events, no nonce."""
    claims = JsonWebToken(["RS256"]).decode(
        logout_token,
        key=flow.jwks(),
        claims_options={
            "iss": {"essential": True, "value": issuer()},
            "aud": {"essential": True, "value": flow.client.client_id},
            "iat": {"essential": True},
            "jti": {"essential": True},
            "events": {"essential": True},
        },
    )
    claims.validate(leeway=5)
    assert LOGOUT_EVENT in claims["events"]
    assert "nonce" not in claims
    return dict(claims)
