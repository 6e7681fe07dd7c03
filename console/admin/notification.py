"""Read-only notification log for the secretariat: what was sent, to whom, and what happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.admin.base import EstablishmentFilter, EstablishmentScopedAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(EstablishmentScopedAdmin):
    list_display = [
        "created_at",
        "channel",
        "recipient",
        "template",
        "status",
        "attempts",
        "last_error",
        "user",
    ]
    list_filter = ["status", "channel", EstablishmentFilter, "created_at"]
    search_fields = ["user__identifier", "user__last_name", "user__first_name"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    fields = [
        "channel",
        "recipient",
        "template",
        "subject",
        "body",
        "status",
        "attempts",
        "last_error_code",
        "last_error",
        "provider_message_id",
        "user",
        "establishment",
        "created_at",
        "sent_at",
        "delivered_at",
        "failed_at",
    ]
    readonly_fields = flatten(fields)

    @admin.display(description=_("destinataire"))
    def recipient(self, obj: Notification) -> str:
        return obj.masked_destination

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        since = timezone.now() - timedelta(hours=24)
        blocked = (
            self.get_queryset(request)
            .filter(status=Notification.Status.BLOCKED, created_at__gte=since)
            .count()
        )
        if blocked:
            messages.warning(
                request,
                ngettext(
                    "%(count)d envoi (SMS ou e-mail) bloqué dans les dernières 24 h : budget "
                    "d'envoi dépassé (possible tentative d'envoi abusif).",
                    "%(count)d envois (SMS ou e-mail) bloqués dans les dernières 24 h : budget "
                    "d'envoi dépassé (possible tentative d'envoi abusif).",
                    blocked,
                )
                % {"count": blocked},
            )
        return super().changelist_view(request, extra_context)
