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
