"""Secretariat console, first cut: every list is limited to the staff member's establishments.

Account actions, imports and two-factor enrolment come with the secretariat issue (6).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.models import (
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    StaffMembership,
    Student,
    User,
)
from accounts.scoping import visible_establishments


class EstablishmentScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Limits a list to rows whose ``scope_path`` establishment the staff member belongs to."""

    scope_path = "establishment"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(request.user)  # type: ignore[arg-type]
        return queryset.filter(**{f"{self.scope_path}__in": allowed}).distinct()


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScopedAdmin):
    scope_path = "pk"
    list_display = ["name", "uai", "kind", "academie"]
    search_fields = ["name", "uai"]


class GuardianshipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Guardianship
    extra = 0
    raw_id_fields = ["student", "guardian"]


@admin.register(Student)
class StudentAdmin(EstablishmentScopedAdmin):
    list_display = ["last_name", "first_name", "class_name", "establishment", "birth_date"]
    list_filter = ["establishment", "class_name"]
    search_fields = ["last_name", "first_name", "ine"]
    inlines = [GuardianshipInline]


@admin.register(Guardian)
class GuardianAdmin(EstablishmentScopedAdmin):
    list_display = ["last_name", "first_name", "mobile", "email", "establishment", "account"]
    list_filter = ["establishment"]
    search_fields = ["last_name", "first_name", "mobile", "email"]
    raw_id_fields = ["account"]
    inlines = [GuardianshipInline]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["identifier", "kind", "last_name", "first_name", "is_active", "last_login"]
    list_filter = ["kind", "is_active"]
    search_fields = ["identifier", "last_name", "first_name", "email"]
    exclude = ["password", "user_permissions", "groups"]
    readonly_fields = ["last_login", "date_joined", "activated_at", "email_verified_at"]
    raw_id_fields = ["student"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(request.user)  # type: ignore[arg-type]
        return queryset.filter(
            Q(student__establishment__in=allowed) | Q(guardian_records__establishment__in=allowed)
        ).distinct()


@admin.register(StaffMembership)
class StaffMembershipAdmin(EstablishmentScopedAdmin):
    list_display = ["user", "establishment", "role"]
    raw_id_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "event_type", "subject", "actor", "ip_address"]
    list_filter = ["event_type"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request).select_related("subject", "actor")
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(request.user)  # type: ignore[arg-type]
        return queryset.filter(
            Q(establishment__in=allowed)
            | Q(subject__student__establishment__in=allowed)
            | Q(subject__guardian_records__establishment__in=allowed)
        ).distinct()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
