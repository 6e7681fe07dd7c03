"""Roster (what the school declared) and accounts (what people own).

Roster rows are re-imported every year; accounts outlive them. A parent account links to the
Guardian rows it proved, a student account to one Student.

One module per part: ``roster`` (re-imported every year), ``people`` (accounts, identifiers,
staff) and ``activity`` (journal, sessions, devices, reports); every model is importable from
``accounts.models``.
"""

from accounts.models.activity import AttachmentReport, AuditEvent, KnownDevice, UserSession
from accounts.models.people import (
    IdentifierAlias,
    StaffInvitation,
    StaffMember,
    StaffMembership,
    User,
)
from accounts.models.roster import Establishment, Guardian, Guardianship, Student

__all__ = [
    "AttachmentReport",
    "AuditEvent",
    "Establishment",
    "Guardian",
    "Guardianship",
    "IdentifierAlias",
    "KnownDevice",
    "StaffInvitation",
    "StaffMember",
    "StaffMembership",
    "Student",
    "User",
    "UserSession",
]
