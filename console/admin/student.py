"""Students in the console: the school's roster, with their guardians."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import Guardianship, Student
from console.admin.base import EstablishmentScopedAdmin
from console.search import people_filter


class GuardianshipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Guardianship
    extra = 0
    raw_id_fields = ["student", "guardian"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Student)
class StudentAdmin(EstablishmentScopedAdmin):
    list_display = ["last_name", "first_name", "class_name", "establishment", "birth_date"]
    list_filter = ["establishment", "class_name"]
    search_fields = ["ine"]
    inlines = [GuardianshipInline]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(people_filter(term, name_fields=["last_name", "first_name"]))
        return results, duplicates
