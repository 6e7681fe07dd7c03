"""How the import's report writes people and values for a secretary: names whole, a mobile as
it is dialled in France (``06 11 22 33 44``), dates ``dd/mm/yyyy``, "aucun" for nothing.

Sentences are built so that no name follows "de" or "le" (no elision to get wrong): a name
comes after "pour", "à", or first, before a colon.
"""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberFormat

from accounts.models import Guardian, Guardianship, Student
from roster.imports.records import GuardianRow, LinkRow, StudentRow

# The overseas regions are dialled nationally too (0692… for Réunion).
_NATIONAL_REGIONS = {"FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF", "NC", "PF", "WF"}


def person_name(first_name: str, last_name: str) -> str:
    """First name then family name, both whole, as the school wrote them."""
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part)


def student_who(student: Student) -> str:
    name = person_name(student.first_name, student.last_name)
    return f"{name} ({student.class_name})" if student.class_name else name


def guardian_who(guardian: Guardian) -> str:
    return person_name(guardian.first_name, guardian.last_name)


def link_who(student: Student, guardian: Guardian) -> str:
    return _("%(child)s – %(guardian)s") % {
        "child": student_who(student),
        "guardian": guardian_who(guardian),
    }


def student_where(row: StudentRow) -> str:
    return _("élève %(id)s (%(name)s)") % {
        "id": row.external_id,
        "name": f"{row.last_name} {row.first_name}",
    }


def guardian_where(row: GuardianRow) -> str:
    return _("responsable %(id)s (%(name)s)") % {
        "id": row.external_id,
        "name": f"{row.last_name} {row.first_name}",
    }


def link_where(link: LinkRow) -> str:
    return _("lien élève %(student)s – responsable %(guardian)s") % {
        "student": link.student_id,
        "guardian": link.guardian_id,
    }


def display_mobile(e164: str) -> str:
    if not e164:
        return _("aucun")
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(number) in _NATIONAL_REGIONS:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def display_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return _("aucune")
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.strftime("%d/%m/%Y")


def display_consent(accepts: bool) -> str:
    return _("acceptés") if accepts else _("refusés")


def display_text(value: str) -> str:
    return value or _("aucun")


def display_level(level: int) -> str:
    labels = {1: _("représentant légal"), 2: _("personne en charge"), 3: _("contact")}
    return labels.get(level, str(level))


def display_relationship(value: str) -> str:
    """In lower case, as it reads inside a line: "représentant légal, mère"."""
    try:
        label = str(Guardianship.Relationship(value).label)
    except ValueError:
        return value
    return label[:1].lower() + label[1:]


def field_label(name: str) -> str:
    """The word for a stored field in "field old → new"."""
    labels = {
        "ine": _("INE"),
        "last_name": _("nom"),
        "first_name": _("prénom"),
        "birth_date": _("date de naissance"),
        "class_name": _("classe"),
        "left_on": _("date de sortie"),
        "mobile": _("mobile"),
        "email": _("e-mail"),
        "accepts_sms": _("SMS"),
        "responsibility_level": _("niveau"),
        "relationship": _("lien de parenté"),
    }
    return labels.get(name, name)


def display_field(name: str, value: object) -> str:
    """A stored field's value, written for the report."""
    if name == "mobile":
        return display_mobile(str(value or ""))
    if name == "accepts_sms":
        return display_consent(bool(value))
    if name in {"birth_date", "left_on"}:
        return display_date(value if isinstance(value, dt.date) else None)
    if name == "responsibility_level":
        return display_level(int(str(value)))
    if name == "relationship":
        return display_relationship(str(value))
    return display_text(str(value or ""))


def display_correction_value(field: str, value: str) -> str:
    """A value as ``RosterCorrection`` stores it (E.164, e-mail, "1"/"0"), for the secretariat."""
    if field == "mobile":
        return display_mobile(value)
    if field == "accepts_sms":
        return _("« SMS %(consent)s »") % {"consent": display_consent(value == "1")}
    if field == "link":
        return _("détaché")
    return value
