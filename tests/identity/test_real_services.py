"""The whole provider over HTTP, as a real service meets it: gunicorn, PostgreSQL, Redis and a
Celery worker; authlib's OAuth2Session as the relying party; a small local HTTP server as the
service's back-channel logout endpoint. Nothing is replaced.

Runs with ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` like tests/services/, and is
skipped otherwise (``REQUIRE_REAL_SERVICES=1`` makes that a failure).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from accounts.models import User
from identity.delivery import LOGOUT_EVENT
from identity.models import Client
from tests.conftest import DEMO_PASSWORD, REAL_SERVICES
from tests.identity.conftest import CodeIDToken, JsonWebKey, JsonWebToken, make_client
from tests.services.workers import (
    free_port,
    start_gunicorn,
    stop_process,
    wait_for,
    worker_environment,
    worker_launcher,
)

if not REAL_SERVICES and os.environ.get("REQUIRE_REAL_SERVICES") == "1":
    raise pytest.UsageError("REQUIRE_REAL_SERVICES=1 but DATABASE_URL/REDIS_URL are not real")

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not REAL_SERVICES, reason="needs PostgreSQL and Redis (real services)"),
    pytest.mark.django_db(transaction=True),
]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECRET = "secret-du-service-de-demo-0123456789abcdef"


class RelyingParty(ThreadingHTTPServer):
    """The service's side: records each back-channel logout token it is sent."""

    logout_tokens: list[str]


class _Handler(BaseHTTPRequestHandler):
    server: RelyingParty

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.server.logout_tokens.extend(parse_qs(body).get("logout_token", []))
        self.send_response(HTTPStatus.OK)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None


@pytest.fixture
def relying_party() -> Iterator[tuple[RelyingParty, str]]:
    server = RelyingParty(("127.0.0.1", 0), _Handler)
    server.logout_tokens = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with worker_launcher(tmp_path) as workers:
        workers.start(env={"SITE_URL": base})  # the issuer of the logout tokens it signs
        env = worker_environment(extra={"SITE_URL": base})
        process, base = start_gunicorn(env, tmp_path / "gunicorn.log", port=port)
        try:
            yield base
        finally:
            stop_process(process)
            print((tmp_path / "gunicorn.log").read_text(errors="replace"))


def csrf_of(page: requests.Response) -> str:
    match = CSRF.search(page.text)
    assert match, page.text[:500]
    return match.group(1)


def log_in_and_consent(browser: requests.Session, url: str, identifier: str) -> str:
    """What the person does in a browser: log in for the service, accept; the redirect back."""
    login = browser.get(url)
    assert urlsplit(login.url).path == "/connexion/"
    assert "pour accéder à Service de démonstration" in login.text
    consent = browser.post(
        login.url,
        {
            "csrfmiddlewaretoken": csrf_of(login),
            "identifier": identifier,
            "password": DEMO_PASSWORD,
            "next": parse_qs(urlsplit(login.url).query)["next"][0],
        },
    )
    assert "Service de démonstration souhaite vous connecter" in consent.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', consent.text))
    answer = browser.post(consent.url, {**fields, "allow": "on"}, allow_redirects=False)
    assert answer.status_code == HTTPStatus.FOUND, answer.text[:500]
    return str(answer.headers["Location"]).replace("&amp;", "&")


def test_it_logs_a_parent_in_over_http_and_logs_them_out_everywhere(
    portal: str, relying_party: tuple[RelyingParty, str], parent: User
) -> None:
    server, rp = relying_party
    client: Client = make_client(
        name="Service de démonstration",
        redirect_uris=f"{rp}/callback",
        post_logout_redirect_uris=f"{rp}/bye",
        backchannel_logout_uri=f"{rp}/backchannel",
        client_secret=SECRET,
        sector_identifier="demo.exemple.fr",
    )
    metadata = requests.get(f"{portal}/.well-known/openid-configuration", timeout=5).json()
    assert metadata["issuer"] == portal
    jwks = JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())
    session = OAuth2Session(
        client.client_id,
        SECRET,
        scope="openid profile scolarite",
        redirect_uri=f"{rp}/callback",
        code_challenge_method="S256",
    )
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )

    browser = requests.Session()
    callback = log_in_and_consent(browser, url, parent.identifier)
    assert parse_qs(urlsplit(callback).query)["state"] == [state]
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = JsonWebToken(["RS256"]).decode(
        token["id_token"],
        key=jwks,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": portal}},
        claims_params={
            "nonce": nonce,
            "client_id": client.client_id,
            "access_token": token["access_token"],
        },
    )
    claims.validate(leeway=5)
    assert claims["kind"] == "parent"
    assert [child["given_name"] for child in claims["scolarite"]["enfants"]] == ["Léa"]

    userinfo = session.get(metadata["userinfo_endpoint"], timeout=5).json()
    assert userinfo["sub"] == claims["sub"] and userinfo["family_name"] == "Dupont"

    renewed = session.refresh_token(metadata["token_endpoint"])
    assert renewed["refresh_token"] != token["refresh_token"]
    session.revoke_token(metadata["revocation_endpoint"], renewed["access_token"])
    assert session.get(metadata["userinfo_endpoint"], timeout=5).status_code == (
        HTTPStatus.UNAUTHORIZED
    )

    # Signed in again (consent remembered), then the service asks for logout.
    url, _state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    again = browser.get(url, allow_redirects=False)
    assert again.status_code == HTTPStatus.FOUND
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=again.headers["Location"],
        code_verifier=verifier,
    )
    bye = browser.get(
        metadata["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": f"{rp}/bye",
            "state": "fin",
        },
        allow_redirects=False,
    )
    assert bye.status_code == HTTPStatus.FOUND
    assert bye.headers["Location"] == f"{rp}/bye?state=fin"

    logout_token = wait_for(lambda: server.logout_tokens, timeout=30, what="a logout token")[0]
    logout = JsonWebToken(["RS256"]).decode(
        logout_token,
        key=jwks,
        claims_options={
            "iss": {"essential": True, "value": portal},
            "aud": {"essential": True, "value": client.client_id},
            "iat": {"essential": True},
            "jti": {"essential": True},
            "events": {"essential": True},
        },
    )
    logout.validate(leeway=5)
    assert logout["sub"] == claims["sub"]
    assert logout["events"] == {LOGOUT_EVENT: {}}
    assert "nonce" not in logout
    assert session.get(metadata["userinfo_endpoint"], timeout=5).status_code == (
        HTTPStatus.UNAUTHORIZED
    )
