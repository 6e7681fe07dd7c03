"""The OpenID Connect client of FranceConnect (v2), on authlib.

authlib because the portal already relies on it (the demo service and the identity tests use
its ``OAuth2Session`` and JOSE), it is maintained, and it is a complete OpenID Connect client
(authorization URL, code exchange, ID token claims checks) that leaves the session handling to
us. mozilla-django-oidc would bring its own views, backend and session keys, where this
portal's sign-in must end in ``accounts.signin.sign_in`` and its first time in self-registration.

What is checked (OpenID Connect Core 3.1.3.7 and FranceConnect's partner documentation):
``state`` (single use, from the session), the ID token's signature against the JWKS named by
the discovery document (cached; fetched again once for an unknown key), ``iss``, ``aud``,
``azp``, ``exp``, ``iat``, ``nonce`` and ``acr``; the userinfo answer (JSON, or a JWT signed
by the same keys as FranceConnect v2 sends) must carry the same ``sub``.
"""

from __future__ import annotations

import secrets
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import constant_time_compare
from joserfc.errors import JoseError as JoserfcError

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib.jose is announced for joserfc; it stays until 2.0
    from authlib.jose import JsonWebKey, JsonWebToken
    from authlib.jose.errors import JoseError
    from authlib.oidc.core import CodeIDToken

# FranceConnect v2: each identity claim is its own scope.
SCOPES = (
    "openid given_name family_name birthdate gender birthplace birthcountry email "
    "preferred_username"
)
ACR = "eidas1"
ACCEPTED_ACR = frozenset({"eidas1", "eidas2", "eidas3"})  # eIDAS low, substantial, high
ALGORITHMS = ["RS256", "ES256"]
METADATA_SECONDS = 3600  # discovery document and JWKS are read again after an hour
LEEWAY_SECONDS = 60
_METADATA_KEY = "franceconnect:metadata"
_JWKS_KEY = "franceconnect:jwks"


class FranceConnectError(Exception):
    """Something stopped a FranceConnect login; nothing was written."""


class ProviderUnavailable(FranceConnectError):
    """FranceConnect did not answer, timed out, or answered with something unusable."""


class AuthenticationFailed(FranceConnectError):
    """The answer cannot be trusted: wrong state or nonce, bad signature or claims."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AccessDenied(FranceConnectError):
    """The person cancelled at FranceConnect (``error=access_denied``)."""


@dataclass(frozen=True)
class Identity:
    """Who FranceConnect says the person is (its "identité pivot" and contact claims)."""

    sub: str
    given_name: str  # every given name, separated by spaces
    family_name: str  # the birth name
    preferred_username: str = ""  # the usage name (nom d'usage), may be empty
    birthdate: str = ""
    email: str = ""
    gender: str = ""
    birthplace: str = ""
    birthcountry: str = ""
    acr: str = ""


@dataclass(frozen=True)
class Authorization:
    url: str
    state: str
    nonce: str


def is_configured() -> bool:
    return bool(
        settings.FRANCECONNECT_ISSUER
        and settings.FRANCECONNECT_CLIENT_ID
        and settings.FRANCECONNECT_CLIENT_SECRET
    )


def _get_json(url: str, **kwargs: Any) -> Any:
    try:
        response = requests.get(url, timeout=settings.FRANCECONNECT_TIMEOUT_SECONDS, **kwargs)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(str(error)) from error


def metadata() -> dict[str, Any]:
    """The discovery document of the configured issuer (cached), checked to name that issuer."""
    cached = cache.get(_METADATA_KEY)
    if isinstance(cached, dict):
        return cached
    issuer = settings.FRANCECONNECT_ISSUER
    document = _get_json(f"{issuer}/.well-known/openid-configuration")
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint")
    if not isinstance(document, dict) or any(not document.get(name) for name in needed):
        raise ProviderUnavailable("discovery document incomplete")
    if document.get("issuer") != issuer:
        raise ProviderUnavailable("discovery document names another issuer")
    cache.set(_METADATA_KEY, document, METADATA_SECONDS)
    return document


def _key_set(*, refresh: bool = False) -> Any:
    document = None if refresh else cache.get(_JWKS_KEY)
    if not isinstance(document, dict):
        document = _get_json(metadata()["jwks_uri"])
        if not isinstance(document, dict) or not document.get("keys"):
            raise ProviderUnavailable("empty JWKS")
        cache.set(_JWKS_KEY, document, METADATA_SECONDS)
    try:
        return JsonWebKey.import_key_set(document)
    except (JoseError, ValueError, TypeError) as error:
        raise ProviderUnavailable("unreadable JWKS") from error


def _oauth(redirect_uri: str) -> OAuth2Session:
    methods = metadata().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return OAuth2Session(
        settings.FRANCECONNECT_CLIENT_ID,
        settings.FRANCECONNECT_CLIENT_SECRET,
        scope=SCOPES,
        redirect_uri=redirect_uri,
        token_endpoint_auth_method=(
            "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post"
        ),
    )


def authorization_start(redirect_uri: str) -> Authorization:
    """A new authorization request: fresh ``state`` and ``nonce`` (32 bytes each, above the
    32 characters FranceConnect requires), ``acr_values=eidas1``."""
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    url, _state = _oauth(redirect_uri).create_authorization_url(
        metadata()["authorization_endpoint"], state=state, nonce=nonce, acr_values=ACR
    )
    return Authorization(url=str(url), state=state, nonce=nonce)


@dataclass(frozen=True)
class Tokens:
    identity: Identity
    id_token: str  # kept for the logout's id_token_hint


def authorization_finish(
    *, redirect_uri: str, query: dict[str, str], state: str, nonce: str
) -> Tokens:
    """Check the answer FranceConnect sent the browser back with, exchange its code, check the
    ID token and read the userinfo. Raises ``AccessDenied``, ``AuthenticationFailed`` or
    ``ProviderUnavailable``."""
    if not state or not constant_time_compare(query.get("state", ""), state):
        raise AuthenticationFailed("state")
    if refused := query.get("error"):
        if refused == "access_denied":
            raise AccessDenied
        raise AuthenticationFailed(f"error:{refused[:40]}")
    code = query.get("code", "")
    if not code:
        raise AuthenticationFailed("code")
    try:
        token = _oauth(redirect_uri).fetch_token(
            metadata()["token_endpoint"],
            code=code,
            timeout=settings.FRANCECONNECT_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise ProviderUnavailable(str(error)) from error
    except (AuthlibBaseError, ValueError) as error:
        raise AuthenticationFailed("token") from error
    id_token, access_token = token.get("id_token"), token.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise AuthenticationFailed("token")
    claims = id_token_claims(id_token, nonce=nonce, access_token=access_token)
    info = _userinfo(access_token)
    if info.get("sub") != claims["sub"]:
        raise AuthenticationFailed("userinfo-sub")
    merged = {**claims, **info}
    given, family = str(merged.get("given_name") or ""), str(merged.get("family_name") or "")
    if not given.strip() or not family.strip():
        raise AuthenticationFailed("names")
    identity = Identity(
        sub=str(claims["sub"]),
        given_name=given.strip()[:150],
        family_name=family.strip()[:150],
        preferred_username=str(merged.get("preferred_username") or "").strip()[:150],
        birthdate=str(merged.get("birthdate") or "")[:10],
        email=str(merged.get("email") or "")[:254],
        gender=str(merged.get("gender") or "")[:10],
        birthplace=str(merged.get("birthplace") or "")[:5],
        birthcountry=str(merged.get("birthcountry") or "")[:5],
        acr=str(claims.get("acr") or ""),
    )
    return Tokens(identity=identity, id_token=id_token)


def _decode(token: str, *, refresh: bool = False, **kwargs: Any) -> Any:
    try:
        return JsonWebToken(ALGORITHMS).decode(token, key=_key_set(refresh=refresh), **kwargs)
    except ValueError as error:  # no key with that kid: the keys may have rotated
        if refresh:
            raise AuthenticationFailed("signature") from error
        return _decode(token, refresh=True, **kwargs)
    except (JoseError, JoserfcError) as error:
        raise AuthenticationFailed("signature") from error


def id_token_claims(id_token: str, *, nonce: str, access_token: str | None = None) -> Any:
    """The ID token's claims once its signature, issuer, audience, lifetime and nonce are
    right, and its ``acr`` at least eIDAS low."""
    claims = _decode(
        id_token,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": settings.FRANCECONNECT_ISSUER}},
        claims_params={
            "nonce": nonce,
            "client_id": settings.FRANCECONNECT_CLIENT_ID,
            "access_token": access_token,
        },
    )
    try:
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, JoserfcError) as error:
        reason = "nonce" if "nonce" in str(error) else "claims"
        raise AuthenticationFailed(reason) from error
    if not constant_time_compare(str(claims.get("nonce") or ""), nonce):
        raise AuthenticationFailed("nonce")
    if claims.get("acr") not in ACCEPTED_ACR:
        raise AuthenticationFailed("acr")
    if not claims.get("sub"):
        raise AuthenticationFailed("claims")
    return claims


def _userinfo(access_token: str) -> dict[str, Any]:
    """The userinfo answer: JSON, or a signed JWT (FranceConnect v2 sends ``application/jwt``)."""
    try:
        response = requests.get(
            metadata()["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.FRANCECONNECT_TIMEOUT_SECONDS,
        )
        response.raise_for_status()
    except requests.RequestException as error:
        raise ProviderUnavailable(str(error)) from error
    if response.headers.get("Content-Type", "").startswith("application/jwt"):
        claims = _decode(response.text.strip())
        return dict(claims)
    try:
        document = response.json()
    except ValueError as error:
        raise ProviderUnavailable("userinfo unreadable") from error
    if not isinstance(document, dict):
        raise ProviderUnavailable("userinfo unreadable")
    return document


def end_session_url(*, id_token: str, state: str, post_logout_redirect_uri: str) -> str | None:
    """FranceConnect's logout address for this session, or None when it publishes none."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": state,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
