"""Login identifiers: ``first.last`` + the smallest free number (``patrick.dupont1``).

Lower-case ASCII with accents folded, spaces and apostrophes removed, hyphens kept
(``Jean-Éric N'Diaye`` → ``jean-eric.ndiaye1``; folding lives in ``core.text``). A name that
folds to nothing (a non-Latin script, only punctuation) falls back to a neutral stem so an
account can always be created.
"""

from __future__ import annotations

import re

from core.text import fold_name

FALLBACK_STEM = "utilisateur"
_TRAILING_NUMBER = re.compile(r"([0-9]+)$")


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
