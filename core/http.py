"""Facts about a request that flows and the audit journal need, read in one place."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

USER_AGENT_MAX = 300


def normalize_ip(value: str) -> str | None:
    """The canonical text of an IP address, or None when ``value`` is not one.

    Accepts what proxies write in ``X-Forwarded-For``: a bare address, an IPv4 address with a
    port (``1.2.3.4:5678``), a bracketed IPv6 address with or without a port
    (``[2001:db8::1]:443``). An IPv4-mapped IPv6 address is the IPv4 address it maps; a scoped
    one (``fe80::1%eth0``) is the address without its zone.
    """
    text = (value or "").strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.scope_id is not None:  # "fe80::1%eth0": the zone is local to the proxy,
            address = ipaddress.IPv6Address(int(address))  # and PostgreSQL's inet refuses it
    return str(address)


def client_ip(request: HttpRequest) -> str:
    """``REMOTE_ADDR``, or the address our trusted proxies saw.

    Each trusted proxy (``TRUSTED_PROXY_COUNT``) appends the address it received from, so with
    N proxies the client is the N-th entry from the right; anything further left was written by
    the client itself. An entry that is not an address falls back to the socket's address.
    """
    remote = normalize_ip(request.META.get("REMOTE_ADDR", "")) or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return normalize_ip(forwarded[-proxies]) or remote


def user_agent(request: HttpRequest) -> str:
    agent: str = request.META.get("HTTP_USER_AGENT", "")
    return agent.replace("\x00", "")[:USER_AGENT_MAX]


@dataclass(frozen=True)
class RequestFacts:
    """Who asks, from where: what the audit journal records about a request."""

    ip_address: str
    user_agent: str
    session_key: str | None = None


def request_facts(request: HttpRequest) -> RequestFacts:
    session = getattr(request, "session", None)
    return RequestFacts(
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        session_key=session.session_key if session is not None else None,
    )
