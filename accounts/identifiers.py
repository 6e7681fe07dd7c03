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
# The shape of every identifier, generated or chosen (``accounts.aliases``): words of letters
# joined by single dots or hyphens, then an optional number without a leading zero.
IDENTIFIER_SHAPE = re.compile(r"[a-z]+(?:[.-][a-z]+)*(?:[1-9][0-9]*)?")
CHOSEN_MIN_LENGTH = 4
CHOSEN_MAX_LENGTH = 2 * 30 + 1 + 6  # two name parts, the dot, a number (core.text)


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


def has_identifier_shape(identifier: str) -> bool:
    """Whether ``identifier`` (canonical) is written as identifiers are: a generated one always
    is, and a chosen one must be."""
    return IDENTIFIER_SHAPE.fullmatch(identifier) is not None
