"""Login identifiers: ``first.last`` + the smallest free number (``patrick.dupont1``).

Lower-case ASCII with accents folded, spaces and apostrophes removed, hyphens kept
(``Jean-Éric N'Diaye`` → ``jean-eric.ndiaye1``). A name that folds to nothing (a non-Latin
script, only punctuation) falls back to a neutral stem so an account can always be created.
"""

from __future__ import annotations

import re
import unicodedata

FALLBACK_STEM = "utilisateur"
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
    }
)
_NOT_ALLOWED = re.compile(r"[^a-z-]")  # digits too: the number suffix must stay unambiguous
_HYPHENS = re.compile(r"-{2,}")
_TRAILING_NUMBER = re.compile(r"([0-9]+)$")


def fold_name(name: str) -> str:
    """Reduce a person's name to the identifier alphabet: ``a-z`` and ``-``."""
    text = unicodedata.normalize("NFKC", name or "").translate(_SPECIAL_FOLDS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[\s_‐‑‒–—−]+", "-", text)  # spaces and dash look-alikes join words
    text = _NOT_ALLOWED.sub("", text)
    return _HYPHENS.sub("-", text).strip("-")[:MAX_PART_LENGTH].strip("-")


def identifier_stem(first_name: str, last_name: str) -> str:
    """``first.last`` from folded names, or the fallback stem when both fold to nothing."""
    parts = [part for part in (fold_name(first_name), fold_name(last_name)) if part]
    return ".".join(parts) or FALLBACK_STEM


def smallest_free_number(stem: str, taken: set[str]) -> int:
    """The smallest n ≥ 1 such that ``stem + n`` is not among ``taken`` (lower-cased)."""
    used: set[int] = set()
    for identifier in taken:
        if not identifier.startswith(stem):
            continue
        match = _TRAILING_NUMBER.fullmatch(identifier[len(stem) :])
        if match and not match.group(1).startswith("0"):
            used.add(int(match.group(1)))
    number = 1
    while number in used:
        number += 1
    return number


def make_identifier(stem: str, number: int) -> str:
    return f"{stem}{number}"
