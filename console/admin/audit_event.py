"""The audit journal, read-only, limited to the staff member's establishments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.events import LABELS
from accounts.models import AuditEvent
from accounts.scoping import visible_establishments, visible_events
from console.admin.base import staff_of


class EventTypeFilter(admin.SimpleListFilter):
    """Event types by their label (the types are code constants, not database choices)."""

    title = _("événement")
    parameter_name = "event_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return sorted(LABELS.items(), key=lambda item: str(item[1]))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(event_type=value) if value in LABELS else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "event", "subject", "actor", "ip_address"]
    list_filter = [EventTypeFilter]
    date_hierarchy = "created_at"

    @admin.display(description=_("événement"), ordering="event_type")
    def event(self, obj: AuditEvent) -> str:
        return obj.get_event_type_display()

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request).select_related("subject", "actor")
        if request.user.is_superuser:
            return queryset
        return visible_events(queryset, visible_establishments(staff_of(request)))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
