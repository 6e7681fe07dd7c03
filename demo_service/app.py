"""A minimal relying party of the portal, as a school's service would be: authlib's OAuth2Session
for the code + PKCE flow, the ID token checked against the portal's JWKS, RP-initiated logout,
and a back-channel logout endpoint. Plain WSGI, sessions in memory: a demo, not a product.

    python -m demo_service            # http://127.0.0.1:8001/, portal at http://127.0.0.1:8000
"""

from __future__ import annotations

import html
import os
import secrets
import warnings
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib.jose is announced for joserfc; it stays until 2.0
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.oidc.core import CodeIDToken

PORTAL = os.environ.get("DEMO_PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
BASE = os.environ.get("DEMO_SERVICE_URL", "http://127.0.0.1:8001").rstrip("/")
CLIENT_ID = os.environ.get("DEMO_CLIENT_ID", "service-de-demonstration")
CLIENT_SECRET = os.environ.get(
    "DEMO_CLIENT_SECRET", "Demo-Service-Secret-2026-pas-pour-la-production"
)
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
COOKIE = "demo_session"

Start = Callable[[str, list[tuple[str, str]]], Any]
SESSIONS: dict[str, dict[str, Any]] = {}


def _metadata() -> dict[str, Any]:
    return requests.get(f"{PORTAL}/.well-known/openid-configuration", timeout=5).json()


def _keys(metadata: dict[str, Any]) -> Any:
    return JsonWebKey.import_key_set(requests.get(metadata["jwks_uri"], timeout=5).json())


def _oauth() -> OAuth2Session:
    return OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope="openid profile scolarite",
        redirect_uri=f"{BASE}/retour",
        code_challenge_method="S256",
    )


def _page(body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        "<title>Service de démonstration</title></head><body>"
        f"<h1>Service de démonstration</h1>{body}</body></html>"
    )


def _home(session: dict[str, Any]) -> str:
    claims = session.get("claims")
    if not claims:
        return _page(
            "<p>Vous n'êtes pas connecté.</p>"
            '<p><a href="/connexion">Se connecter avec le portail</a></p>'
        )
    children = ", ".join(
        f"{child['given_name']} ({child['classe']}, {child['uai']})"
        for child in claims.get("scolarite", {}).get("enfants", [])
    )
    who = html.escape(f"{claims.get('given_name', '')} {claims.get('family_name', '')}".strip())
    kind = html.escape(claims.get("kind", ""))
    return _page(
        f'<p id="who">Connecté en tant que {who} ({kind}), enfants : '
        f"{html.escape(children) or 'aucun'}</p>"
        '<p><a href="/deconnexion">Se déconnecter</a></p>'
    )


def _login(session: dict[str, Any]) -> str:
    metadata = _metadata()
    session["verifier"] = secrets.token_urlsafe(48)
    session["nonce"] = secrets.token_urlsafe(16)
    url, session["state"] = _oauth().create_authorization_url(
        metadata["authorization_endpoint"],
        code_verifier=session["verifier"],
        nonce=session["nonce"],
    )
    return str(url)


def _callback(session: dict[str, Any], query: str) -> None:
    metadata = _metadata()
    oauth = _oauth()
    params = parse_qs(query)
    if params.get("state", [""])[0] != session.get("state") or params.get("iss") != [
        metadata["issuer"]
    ]:
        raise PermissionError("state or issuer mismatch")
    token = oauth.fetch_token(
        metadata["token_endpoint"],
        authorization_response=f"{BASE}/retour?{query}",
        code_verifier=session.pop("verifier"),
    )
    claims = JsonWebToken(["RS256"]).decode(
        token["id_token"],
        key=_keys(metadata),
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": metadata["issuer"]}},
        claims_params={
            "nonce": session.pop("nonce"),
            "client_id": CLIENT_ID,
            "access_token": token["access_token"],
        },
    )
    claims.validate(leeway=30)
    session["claims"] = dict(claims)
    session["id_token"] = token["id_token"]


def _logout_url(session: dict[str, Any]) -> str:
    params = {"post_logout_redirect_uri": f"{BASE}/", "client_id": CLIENT_ID}
    if session.get("id_token"):
        params["id_token_hint"] = session["id_token"]
    session.clear()
    return f"{_metadata()['end_session_endpoint']}?{urlencode(params)}"


def _backchannel(body: str) -> bool:
    """OpenID Connect Back-Channel Logout §2.6: validate, then end the sessions of that sub."""
    metadata = _metadata()
    token = parse_qs(body).get("logout_token", [""])[0]
    claims = JsonWebToken(["RS256"]).decode(
        token,
        key=_keys(metadata),
        claims_options={
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": CLIENT_ID},
            "events": {"essential": True},
        },
    )
    claims.validate(leeway=30)
    if LOGOUT_EVENT not in claims["events"] or "nonce" in claims:
        return False
    for session in SESSIONS.values():
        if session.get("claims", {}).get("sub") == claims["sub"]:
            session.clear()
    return True


def application(environ: dict[str, Any], start_response: Start) -> Iterable[bytes]:
    cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    key = cookie[COOKIE].value if COOKIE in cookie and cookie[COOKIE].value in SESSIONS else ""
    if not key:
        key = secrets.token_urlsafe(24)
        SESSIONS[key] = {}
    session = SESSIONS[key]
    headers = [("Set-Cookie", f"{COOKIE}={key}; HttpOnly; SameSite=Lax; Path=/")]
    path, method = environ.get("PATH_INFO", "/"), environ.get("REQUEST_METHOD", "GET")
    try:
        if path == "/connexion":
            start_response("302 Found", [*headers, ("Location", _login(session))])
            return [b""]
        if path == "/retour":
            _callback(session, environ.get("QUERY_STRING", ""))
            start_response("302 Found", [*headers, ("Location", "/")])
            return [b""]
        if path == "/deconnexion":
            start_response("302 Found", [*headers, ("Location", _logout_url(session))])
            return [b""]
        if path == "/deconnexion-arriere-plan" and method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            ok = _backchannel(environ["wsgi.input"].read(length).decode())
            start_response("200 OK" if ok else "400 Bad Request", [("Cache-Control", "no-store")])
            return [b""]
    except Exception as error:  # noqa: BLE001 - a demo shows what went wrong
        start_response("400 Bad Request", [*headers, ("Content-Type", "text/html; charset=utf-8")])
        return [_page(f"<p>Erreur : {html.escape(str(error))}</p>").encode()]
    start_response("200 OK", [*headers, ("Content-Type", "text/html; charset=utf-8")])
    return [_home(session).encode()]
