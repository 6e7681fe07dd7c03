"""The one place for request rate limits (DESIGN §4), counted by django-ratelimit on the cache.

``settings.RATE_LIMITS`` maps an action to ``"count/period/scope"`` rules joined by commas, as
django-allauth's ``ACCOUNT_RATE_LIMITS``: ``key`` counts what the person typed (identifier,
phone, e-mail; only a hash of it reaches the cache), ``ip`` the client address as
``educonnect.http.client_ip`` reads it (trusted proxies only, DESIGN §6).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited

from educonnect.http import client_ip


@dataclass(frozen=True)
class Rule:
    rate: str
    scope: str


def rules(action: str) -> list[Rule]:
    parsed = []
    for part in settings.RATE_LIMITS[action].split(","):
        count, period, scope = part.strip().split("/")
        if scope not in {"key", "ip"}:
            raise ValueError(f"RATE_LIMITS[{action!r}]: unknown scope {scope!r}")
        parsed.append(Rule(rate=f"{count}/{period}", scope=scope))
    return parsed


def hashed(value: str) -> str:
    """Phones, e-mails and identifiers never reach the cache in clear."""
    folded = value.strip().lower().encode()
    return hashlib.sha256(b"educonnect.ratelimit:" + folded).hexdigest()


def consume(request: HttpRequest, *, action: str, key: str = "") -> bool:
    """Count one try of ``action``; True when any of its limits is exceeded."""
    limited = False
    for rule in rules(action):
        value = hashed(key) if rule.scope == "key" else client_ip(request)
        if rule.scope == "key" and not key:
            continue
        limited |= is_ratelimited(
            request,
            group=f"recovery.{action}.{rule.scope}",
            key=lambda _group, _request, value=value: value,
            rate=rule.rate,
            increment=True,
        )
    return limited


def consume_or_429(request: HttpRequest, *, action: str, key: str = "") -> HttpResponse | None:
    """Call at the top of a view: a French 429 page when a limit is exceeded, else None."""
    if consume(request, action=action, key=key):
        return render(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS)
    return None
