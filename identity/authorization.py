"""Reading an authorization request before anyone is logged in: which registered service it
comes from, and whether it is safe to answer it by redirecting (RFC 6749 §4.1.2.1: never to
an unknown client or an unregistered redirect URI)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.http import QueryDict
from django.urls import reverse

from identity.models import Client

CLIENT_ID_MAX = 255


def client_for_request(params: QueryDict | dict[str, list[str]]) -> Client | None:
    """The registered service named by ``client_id``, or None."""
    values = params.get("client_id")
    client_id = (values[0] if isinstance(values, list) else values) or ""
    if not client_id or len(client_id) > CLIENT_ID_MAX:
        return None
    return Client.objects.filter(client_id=client_id).first()


def unsafe_request_error(params: QueryDict) -> str | None:
    """``invalid_client`` or ``invalid_redirect_uri`` when the request cannot be answered by a
    redirect, else None (the library then checks everything else)."""
    client = client_for_request(params)
    if client is None:
        return "invalid_client_id"
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not client.redirect_uri_allowed(redirect_uri):
        return "invalid_redirect_uri"
    return None


def _authorization_params(next_url: str) -> dict[str, list[str]] | None:
    if not next_url:
        return None
    parts = urlsplit(next_url)
    if parts.scheme or parts.netloc or parts.path != reverse("oauth2_provider:authorize"):
        return None
    return parse_qs(parts.query)


def client_for_next(next_url: str) -> Client | None:
    """The service behind a login page's ``next`` when it is our authorization endpoint."""
    params = _authorization_params(next_url)
    return client_for_request(params) if params is not None else None


def origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def redirect_origin_for_next(next_url: str) -> str | None:
    """The origin of the registered redirect URI that the login form's answer may end at."""
    params = _authorization_params(next_url)
    client = client_for_request(params) if params is not None else None
    redirect_uri = ((params or {}).get("redirect_uri") or [""])[0]
    if client is None or not redirect_uri or not client.redirect_uri_allowed(redirect_uri):
        return None
    return origin(redirect_uri)
