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


EMAIL_KEY_MAX = 320  # an address of 254 characters may grow when folded or IDNA-encoded
_EMAIL_TYPED_MAX = 1000


def _fold_email_part(text: str) -> str:
    """NFKC then case folding, repeated until stable (one pass can leave a character that a
    second pass changes), so that folding a folded value changes nothing."""
    for _pass in range(4):
        folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        if folded == text:
            break
        text = folded
    return text


def _ascii_domain(domain: str) -> str:
    """The domain as DNS sees it (IDNA, ``exémple.fr`` and ``xn--exmple-cva.fr`` are one);
    left folded as it is when it is not a valid domain name."""
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain


def canonical_email(typed: str) -> str:
    """An e-mail address as one key, for the account lookup, the rate-limit key and budgets:
    NFKC and case folding (``ſ`` is ``s``, full-width letters are ASCII, ``K`` the Kelvin sign
    is ``k``), surrounding spaces removed, the domain IDNA-encoded.

    ``ı`` (dotless i) stays ``ı``: Unicode does not fold it to ``i`` (only PostgreSQL's
    ``UPPER`` does), so an address typed with it is another key and, looked up exactly on the
    stored key (``User.email_key``), another account. Idempotent: the key of a key is itself.
    """
    text = _fold_email_part((typed or "")[:_EMAIL_TYPED_MAX]).strip()
    local, at, domain = text.rpartition("@")
    if at:
        text = f"{local}@{_fold_email_part(_ascii_domain(domain))}"
    return text[:EMAIL_KEY_MAX]


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
