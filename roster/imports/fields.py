"""Turning one row's raw texts into a roster row, the same way for SIECLE and CSV.

Each parser collects the texts of a row under canonical keys (``last_name``, ``birth_date``,
``mobile``…) and calls ``student_row``, ``guardian_row`` or ``link_row``. The rules, documented
in docs/IMPORT.md:

- ids are required (a row without one is rejected), optional elements may be missing;
- a bad birth date or a missing name rejects the row;
- an impossible mobile or e-mail is dropped with a warning, the guardian is still imported
  (the school's old number must not stay the one codes are sent to);
- responsibility level: ``NIVEAU_RESPONSABILITE`` 1/2/3 as is; older ``RESP_LEGAL`` 1 or 2 → 1
  (legal representative), 0 → 3 (contact); neither → the link is rejected, since level 1 is
  what lets a parent self-register;
- relationship (``CODE_PARENTE``): 10 mère, 20 père, 50 tuteur, 30–39 famille, anything else
  autre.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Guardianship
from core.phones import InvalidPhoneNumber, normalize_mobile
from roster.imports.records import GuardianRow, LinkRow, ParsedFile, StudentRow, Where

Raw = Mapping[str, str | None]

NAME_MAX = 150
CLASS_MAX = 50
INE_MAX = 11
EXTERNAL_ID_MAX = 30
EMAIL_MAX = 254
OLDEST_BIRTH_YEAR = 1900

_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = {"1", "true", "vrai", "oui", "o", "yes", "y"}
_FALSE = {"0", "false", "faux", "non", "n", "no"}
_RELATIONSHIP_WORDS = {
    "mere": Guardianship.Relationship.MOTHER,
    "pere": Guardianship.Relationship.FATHER,
    "tuteur": Guardianship.Relationship.TUTOR,
    "tutrice": Guardianship.Relationship.TUTOR,
    "famille": Guardianship.Relationship.OTHER_FAMILY,
    "autre": Guardianship.Relationship.OTHER,
}


def clean(value: str | None) -> str:
    """Trimmed text with runs of white space (and control characters) as one space."""
    if not value:
        return ""
    return " ".join(_CONTROL.sub(" ", value).split())


def _folded(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_date(value: str) -> dt.date:
    """``dd/mm/yyyy`` (SIECLE) or ``yyyy-mm-dd`` (spreadsheets); ValueError otherwise."""
    text = clean(value)
    match = _FRENCH_DATE.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO_DATE.fullmatch(text)
        if not match:
            raise ValueError(value)
        year, month, day = (int(part) for part in match.groups())
    if year < OLDEST_BIRTH_YEAR:
        raise ValueError(value)
    return dt.date(year, month, day)


def parse_bool(value: str) -> bool:
    """SIECLE writes booleans as 0/1 or true/false; spreadsheets say oui/non."""
    text = _folded(clean(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def responsibility_level(level: str | None, legacy: str | None) -> int:
    """``NIVEAU_RESPONSABILITE`` wins; else pre-2018 ``RESP_LEGAL`` (1, 2 → 1; 0 → 3)."""
    text = clean(level)
    if text:
        if text in {"1", "2", "3"}:
            return int(text)
        raise ValueError(level)
    text = clean(legacy)
    if text in {"1", "2"}:
        return 1
    if text == "0":
        return 3
    raise ValueError(legacy)


def relationship(value: str | None) -> str:
    """SIECLE ``CODE_PARENTE`` or, in CSV files, the word itself (mère, père, tuteur…)."""
    text = _folded(clean(value))
    if text in _RELATIONSHIP_WORDS:
        return _RELATIONSHIP_WORDS[text]
    if text == "10":
        return Guardianship.Relationship.MOTHER
    if text == "20":
        return Guardianship.Relationship.FATHER
    if text == "50":
        return Guardianship.Relationship.TUTOR
    if len(text) == 2 and text.startswith("3") and text.isascii() and text.isdigit():
        return Guardianship.Relationship.OTHER_FAMILY
    return Guardianship.Relationship.OTHER


def external_id(value: str | None) -> str:
    text = clean(value)
    return text if len(text) <= EXTERNAL_ID_MAX else ""


def _names(raw: Raw, where: Where, parsed: ParsedFile) -> tuple[str, str] | None:
    last_name, first_name = clean(raw.get("last_name")), clean(raw.get("first_name"))
    if not last_name:
        parsed.reject(where, _("nom absent"))
        return None
    if not first_name:
        parsed.reject(where, _("prénom absent"))
        return None
    if len(last_name) > NAME_MAX or len(first_name) > NAME_MAX:
        parsed.reject(where, _("nom ou prénom trop long (150 caractères au plus)"))
        return None
    return last_name, first_name


def student_row(raw: Raw, where: Where, parsed: ParsedFile) -> StudentRow | None:
    """A student row, or None after recording why it was rejected."""
    parsed.rows_read += 1
    ident = external_id(raw.get("external_id"))
    if not ident:
        parsed.reject(where, _("identifiant de l'élève absent ou invalide"))
        return None
    parsed.rejected_student_ids.add(ident)  # until the row proves good
    names = _names(raw, where, parsed)
    if names is None:
        return None
    birth_text = clean(raw.get("birth_date"))
    try:
        birth_date = parse_date(birth_text)
    except ValueError:
        if birth_text:
            message = _("date de naissance invalide « %(value)s »") % {"value": birth_text}
        else:
            message = _("date de naissance absente")
        parsed.reject(where, message)
        return None
    if birth_date > timezone.localdate():
        parsed.reject(
            where, _("date de naissance dans le futur « %(value)s »") % {"value": birth_text}
        )
        return None
    left_text = clean(raw.get("left_on"))
    left_on = None
    if left_text:
        try:
            left_on = parse_date(left_text)
        except ValueError:
            parsed.reject(where, _("date de sortie invalide « %(value)s »") % {"value": left_text})
            return None
    ine = clean(raw.get("ine")).upper()
    if len(ine) > INE_MAX:
        parsed.warn(where, _("INE invalide « %(value)s » : ignoré") % {"value": ine})
        ine = ""
    class_name = raw.get("class_name")
    if class_name is not None:
        class_name = clean(class_name)
        if len(class_name) > CLASS_MAX:
            parsed.warn(where, _("classe tronquée à 50 caractères"))
            class_name = class_name[:CLASS_MAX]
    parsed.rejected_student_ids.discard(ident)
    return StudentRow(ident, ine, names[0], names[1], birth_date, class_name, left_on)


def guardian_row(raw: Raw, where: Where, parsed: ParsedFile) -> GuardianRow | None:
    """A guardian row, or None after recording why it was rejected."""
    parsed.rows_read += 1
    ident = external_id(raw.get("external_id"))
    if not ident:
        parsed.reject(where, _("identifiant du responsable absent ou invalide"))
        return None
    names = _names(raw, where, parsed)
    if names is None:
        parsed.rejected_guardian_ids.add(ident)
        return None
    mobile_text = clean(raw.get("mobile"))
    mobile = ""
    if mobile_text:
        try:
            mobile = normalize_mobile(mobile_text)
        except InvalidPhoneNumber:
            parsed.warn(
                where,
                _("numéro de mobile impossible « %(value)s » : responsable importé sans mobile")
                % {"value": mobile_text},
            )
    email = clean(raw.get("email"))
    if email:
        try:
            if len(email) > EMAIL_MAX:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            parsed.warn(
                where,
                _("adresse e-mail invalide « %(value)s » : responsable importé sans e-mail")
                % {"value": email[:80]},
            )
            email = ""
    accepts_sms = None
    consent = raw.get("accepts_sms")
    if consent is not None and clean(consent):
        try:
            accepts_sms = parse_bool(consent)
        except ValueError:
            accepts_sms = False
            parsed.warn(
                where,
                _("consentement SMS illisible « %(value)s » : considéré comme un refus")
                % {"value": clean(consent)[:20]},
            )
    return GuardianRow(ident, names[0], names[1], mobile, email, accepts_sms)


def link_row(raw: Raw, where: Where, parsed: ParsedFile) -> LinkRow | None:
    """A student–guardian link, or None after recording why it was rejected."""
    student_id = external_id(raw.get("student_id"))
    guardian_id = external_id(raw.get("guardian_id"))
    if not student_id:
        parsed.reject(where, _("identifiant de l'élève absent ou invalide"))
        return None
    if not guardian_id:
        parsed.reject(where, _("identifiant du responsable absent ou invalide"))
        return None
    try:
        level = responsibility_level(raw.get("level"), raw.get("legacy_level"))
    except ValueError:
        parsed.reject(where, _("niveau de responsabilité absent ou inconnu"))
        parsed.rejected_links.add((student_id, guardian_id))
        return None
    return LinkRow(student_id, guardian_id, level, relationship(raw.get("relationship")))
