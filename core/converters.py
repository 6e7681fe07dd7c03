"""Bounded path converters: an id the database cannot hold, or a token of an impossible shape,
is a 404 at URL resolution instead of a query the database refuses (a 500)."""

from __future__ import annotations

# The largest primary key (BigAutoField).
MAX_DATABASE_ID = 2**63 - 1


class DatabaseIdConverter:
    """``<dbid:pk>``: 1 to 19 digits, at most MAX_DATABASE_ID."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_DATABASE_ID:
            raise ValueError(value)
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class TokenConverter:
    """``<token:token>``: what ``secrets.token_urlsafe`` produces, 100 characters at most."""

    regex = "[A-Za-z0-9_-]{1,100}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def parse_database_id(raw: object) -> int | None:
    """An id posted in a form field: None unless it is 1 to 19 digits within range."""
    text = raw if isinstance(raw, str) else ""
    if not (1 <= len(text) <= 19 and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_DATABASE_ID else None
