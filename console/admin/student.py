"""Students in the console: the school's roster, with their guardians."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import Guardianship, Student
from console import provisioning
from console.admin.base import (
    AccountFilter,
    EstablishmentFilter,
    EstablishmentScopedAdmin,
    ProvisionsAccounts,
    staff_of,
)
from console.letters import Letter, account_schools, letters_context
from console.search import people_filter
from core.http import client_ip


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
class StudentAdmin(ProvisionsAccounts, EstablishmentScopedAdmin):
    list_display = [
        "last_name",
        "first_name",
        "class_name",
        "establishment",
        "birth_date",
        "has_account",
    ]
    list_select_related = ["establishment", "account"]
    list_filter = [EstablishmentFilter, "class_name", AccountFilter]
    search_fields = ["ine"]
    inlines = [GuardianshipInline]
    actions = ["create_accounts"]

    @admin.display(boolean=True, description=_("compte"))
    def has_account(self, obj: Student) -> bool:
        return hasattr(obj, "account")

    @admin.action(
        description=_("Créer les comptes des élèves sélectionnés et imprimer leurs courriers"),
        permissions=["provision"],
    )
    def create_accounts(self, request: HttpRequest, queryset: QuerySet[Student]) -> HttpResponse:
        students = list(
            queryset.filter(account__isnull=True, left_on__isnull=True)
            .select_related("establishment")
            .order_by("class_name", "last_name", "first_name")
        )
        created = provisioning.students_provision(
            staff=staff_of(request), students=students, ip_address=client_ip(request)
        )
        letters = [
            Letter(user=user, password=password, schools=account_schools(user))
            for user, password in created
        ]
        return render(request, "admin/accounts/letters.html", letters_context(letters))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(people_filter(term, name_fields=["last_name", "first_name"]))
        return results, duplicates
