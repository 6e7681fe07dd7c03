"""Permission groups for school staff in the secretariat console.

Django's admin needs model permissions on top of ``is_staff``; each role is a group. What a
member sees is still limited to their establishments by the admin's scoping.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

SECRETARIAT_GROUP = "Secrétariat"

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


@transaction.atomic
def ensure_secretariat_group() -> Group:
    group, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in SECRETARIAT_PERMISSIONS
    ]
    group.permissions.set(permissions)
    return group
