"""Text folding: one canonical form for names, typed identifiers and e-mail addresses.

Every typed identifier or e-mail goes through ``canonical_identifier`` or ``canonical_email``
once, and that one value is used alike for the account lookup, the rate-limit key and the
audit, so that two spellings that reach the same account are one key.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils import translation

MAX_PART_LENGTH = 30  # keeps an identifier inside a one-segment SMS

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ı": "i",
        "ſ": "s",
        "ĸ": "k",
    }
)
_NOT_ALLOWED = re.compile(r"[^a-z-]")  # digits too: the number suffix must stay unambiguous
_HYPHENS = re.compile(r"-{2,}")
_DASHES = re.compile(r"[\s_‐‑‒–—−]+")
_IDENTIFIER_OUTSIDE = re.compile(r"[^a-z0-9.-]")
IDENTIFIER_MAX = 150


def _ascii_fold(text: str) -> str:
    """NFKC, the special letters, then accents removed and case folded."""
    text = unicodedata.normalize("NFKC", text or "").translate(_SPECIAL_FOLDS)
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_SPECIAL_FOLDS)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold_name(name: str) -> str:
    """Reduce a person's name to the identifier alphabet: ``a-z`` and ``-``."""
    text = _DASHES.sub("-", _ascii_fold(name))  # spaces and dash look-alikes join words
    text = _NOT_ALLOWED.sub("", text)
    return _HYPHENS.sub("-", text).strip("-")[:MAX_PART_LENGTH].strip("-")


def canonical_identifier(typed: str) -> str:
    """What a typed identifier stands for: folded as names are (``ı``, ``ſ``, full-width
    letters, accents and case all give their ASCII letter), spaces removed, cut to the
    identifier length. Anything else left outside ``a-z0-9.-`` stays, so it matches no account
    but is still one key. Invisible characters (controls such as NUL, zero-width spaces) go."""
    folded = _ascii_fold(typed)
    text = "".join(ch for ch in folded if not ch.isspace() and unicodedata.category(ch)[0] != "C")
    return text[:IDENTIFIER_MAX]


def is_identifier_shaped(text: str) -> bool:
    """Whether a canonical identifier only holds the identifier alphabet (what the journal
    may keep of a failed login: never a password typed in the wrong field)."""
    return bool(text) and not _IDENTIFIER_OUTSIDE.search(text)


def canonical_email(typed: str) -> str:
    """An e-mail address as one key: NFKC, case folded, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", typed or "").strip().casefold()[:254]


_VOWELS = set("aeiouàâäáéèêëíîïóôöúùûüæœ")


def de_prefix(name: str) -> str:
    """French "de" before a name, elided before a vowel sound or a mute h: ``d'`` for Inès,
    Hugo or Yves, ``de `` for Léa or Yanis (a sentence reads « représentant légal d'Inès »).

    Empty in any other language: its sentences say "of" themselves, and gettext checks make
    a translation keep the ``{de}`` / ``%(de)s`` argument, so it must render as nothing."""
    if not (translation.get_language() or "fr").startswith("fr"):
        return ""
    first, second = name[:1].lower(), name[1:2].lower()
    if first in _VOWELS or first == "h":
        return "d'"
    if first == "y" and second and second not in _VOWELS:  # Yves, Yvonne: a vowel sound
        return "d'"
    return "de "
