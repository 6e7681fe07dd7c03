"""Which staff member works for which establishment, in which role."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import StaffMembership
from console.admin.base import EstablishmentScopedAdmin


@admin.register(StaffMembership)
class StaffMembershipAdmin(EstablishmentScopedAdmin):
    list_display = ["user", "establishment", "role"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)
