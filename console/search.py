"""Secretariat search that forgives accents, case and phone spellings.

Names are matched with a case-insensitive regular expression in which every letter also
matches its accented forms (``lefevre`` finds Lefèvre), which works the same on PostgreSQL
and SQLite without an extension. A query that reads as a phone number matches the stored
E.164 form whatever spelling was typed (``06 12 34 56 78``, ``+33612345678``, ``0033…``).
"""

from __future__ import annotations

import re

from django.db.models import Q

from core.phones import InvalidPhoneNumber, normalize_mobile
from core.text import fold_name

_VARIANTS = {
    "a": "aàâäáãåæ",
    "c": "cç",
    "e": "eéèêë",
    "i": "iîïíì",
    "o": "oôöóòõøœ",
    "u": "uùûüú",
    "y": "yÿý",
    "n": "nñ",
}
MAX_QUERY = 100


def accent_insensitive_pattern(text: str) -> str:
    """A regex matching ``text`` with any accents, and spaces, hyphens, apostrophes or dots
    anywhere between its letters (``ndiaye`` finds N'Diaye)."""
    folded = fold_name(text[:MAX_QUERY]).replace("-", "")
    parts = [f"[{_VARIANTS[ch]}]" if ch in _VARIANTS else re.escape(ch) for ch in folded]
    return r"[\s'’.-]*".join(parts)


def phone_query(text: str) -> str | None:
    digits = re.sub(r"[^\d+]", "", text)
    if len(re.sub(r"\D", "", digits)) < 6:
        return None
    try:
        return normalize_mobile(text)
    except InvalidPhoneNumber:
        return None


def people_filter(text: str, *, name_fields: list[str], phone_field: str | None = None) -> Q:
    """A Q matching a person by name (accent-insensitive) or by phone (any spelling)."""
    text = (text or "").strip()[:MAX_QUERY]
    query = Q(pk__in=[])
    pattern = accent_insensitive_pattern(text)
    if pattern:
        for field in name_fields:
            query |= Q(**{f"{field}__iregex": pattern})
    phone = phone_query(text) if phone_field else None
    if phone and phone_field:
        query |= Q(**{phone_field: phone})
    return query
