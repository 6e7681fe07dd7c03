"""Helpers shared by test modules."""

from __future__ import annotations

import re

_PER_RESPONSE = [
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'),
    re.compile(r'nonce="[^"]+"'),
]


def comparable_page(html: str) -> str:
    """A page without what legitimately changes on every response (CSRF token, CSP nonce)."""
    for pattern in _PER_RESPONSE:
        html = pattern.sub("", html)
    return html


_PER_RESPONSE_HEADERS = [
    (re.compile(r"'nonce-[^']+'"), "'nonce-'"),
    (re.compile(r"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$"), "<date>"),
]


def comparable_headers(response) -> dict[str, object]:
    """Headers and cookie attributes without what changes on every response (CSP nonce,
    dates, cookie values)."""
    headers: dict[str, object] = {}
    for name, value in response.headers.items():
        for pattern, replacement in _PER_RESPONSE_HEADERS:
            value = pattern.sub(replacement, value)
        headers[name.lower()] = value
    headers["set-cookie"] = sorted(
        (name, sorted((key, str(attr)) for key, attr in morsel.items() if key != "expires"))
        for name, morsel in response.cookies.items()
    )
    return headers
