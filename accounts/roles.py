"""Permission groups for school staff in the secretariat console.

Django's admin needs model permissions on top of ``is_staff``; each role of
``StaffMembership.Role`` is a group. What a member sees is still limited to their
establishments by the admin's scoping, and whom a head may manage to the establishments they
head (``accounts.scoping.headed_establishments``).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.models import StaffMembership

SECRETARIAT_GROUP = "Secrétariat"
VIE_SCOLAIRE_GROUP = "Vie scolaire"
HEAD_GROUP = "Direction"

SECRETARIAT_PERMISSIONS = [
    ("accounts", "view_establishment"),
    ("accounts", "import_roster"),
    ("accounts", "view_student"),
    ("accounts", "view_guardian"),
    ("accounts", "change_guardian"),
    ("accounts", "view_guardianship"),
    ("accounts", "view_user"),
    ("accounts", "change_user"),
    ("accounts", "view_attachmentreport"),
    ("accounts", "change_attachmentreport"),
    ("accounts", "view_staffmembership"),
    ("accounts", "view_auditevent"),
    ("notifications", "view_notification"),
]
# A head of establishment also manages the staff of their establishment.
HEAD_PERMISSIONS = [
    *SECRETARIAT_PERMISSIONS,
    ("accounts", "view_staffmember"),
    ("accounts", "add_staffmember"),
    ("accounts", "change_staffmember"),
]
ROLE_GROUPS = {
    StaffMembership.Role.SECRETARIAT: (SECRETARIAT_GROUP, SECRETARIAT_PERMISSIONS),
    StaffMembership.Role.VIE_SCOLAIRE: (VIE_SCOLAIRE_GROUP, SECRETARIAT_PERMISSIONS),
    StaffMembership.Role.HEAD: (HEAD_GROUP, HEAD_PERMISSIONS),
}


@transaction.atomic
def ensure_role_group(role: str) -> Group:
    """The group of ``role`` with exactly its permissions (created or put back)."""
    name, codenames = ROLE_GROUPS[StaffMembership.Role(role)]
    group, _ = Group.objects.get_or_create(name=name)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in codenames
    ]
    group.permissions.set(permissions)
    return group


def ensure_secretariat_group() -> Group:
    return ensure_role_group(StaffMembership.Role.SECRETARIAT)
