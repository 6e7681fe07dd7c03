"""Establishments in the console, and the roster import page of each."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment
from console import imports
from console.admin.base import EstablishmentScopedAdmin
from core.converters import MAX_DATABASE_ID


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScopedAdmin):
    scope_path = "pk"
    list_display = ["name", "uai", "kind", "academie", "import_link"]
    search_fields = ["name", "uai"]

    @admin.display(description=_("annuaire"))
    def import_link(self, obj: Establishment) -> str:
        url = reverse("admin:accounts_establishment_import", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Importer"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.import_roster_view)
        return [
            path("<int:pk>/importer/", view, name="accounts_establishment_import"),
            *super().get_urls(),
        ]

    def import_roster_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if pk > MAX_DATABASE_ID:  # no such establishment, and the database would refuse the id
            raise PermissionDenied
        establishment = self.get_queryset(request).filter(pk=pk).first()
        if establishment is None or not request.user.has_perm("accounts.import_roster"):
            raise PermissionDenied
        return imports.import_view(
            request, establishment, site_context=self.admin_site.each_context(request)
        )
