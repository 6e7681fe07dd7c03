"""The breached-password list: passwords published in the RockYou breach, shipped offline.

``accounts/data/breached-passwords.txt.gz`` holds, lower-cased and without duplicates, the
100,000 most frequent RockYou passwords and every RockYou password that the other rules of the
policy would let through (12 characters or more, three character classes). It is read from disk
once per process, at the first check, and never from a network service: the portal must not
send anything about a password anywhere. ``manage.py build_breached_passwords`` rebuilds it.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

BREACHED_PASSWORDS_PATH = Path(__file__).resolve().parent / "data" / "breached-passwords.txt.gz"


def normalize(password: str) -> str:
    """Compare case-insensitively: "Liverpool123" and "LIVERPOOL123" are the same guess."""
    return password.strip().lower()


@cache
def breached_passwords() -> frozenset[str]:
    """The list, loaded at the first call of the process and kept (about 300,000 entries)."""
    text = gzip.decompress(BREACHED_PASSWORDS_PATH.read_bytes()).decode("utf-8")
    return frozenset(text.split("\n")) - {""}


def is_breached(password: str) -> bool:
    return normalize(password) in breached_passwords()
