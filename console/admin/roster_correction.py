"""The console's corrections that the roster import keeps over SIECLE, and the way to give one
up and take SIECLE's value back. Reading and dropping them needs the guardian permissions: a
correction is a guardian's data corrected."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Guardian
from console import actions
from console.admin.base import EstablishmentFilter, EstablishmentScopedAdmin, staff_of
from core.http import client_ip
from roster.imports.wording import display_correction_value, display_date
from roster.models import RosterCorrection

DISPLAY_FIELDS = (
    "guardian",
    "student",
    "field",
    "portal_value",
    "siecle_value_shown",
    "corrected_at",
    "corrected_by",
    "status",
)
DETAIL_FIELDS = (*DISPLAY_FIELDS, "origin", "report", "resolved_at", "resolved_by", "establishment")


class StatusFilter(admin.SimpleListFilter):
    """Active corrections unless asked otherwise: those are the ones an import keeps."""

    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("closes", _("closes")), ("toutes", _("toutes"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "toutes":
            return queryset
        if self.value() == "closes":
            return queryset.exclude(status=RosterCorrection.Status.ACTIVE)
        return queryset.filter(status=RosterCorrection.Status.ACTIVE)

    def choices(self, changelist: Any) -> Any:
        for index, choice in enumerate(super().choices(changelist)):
            yield {**choice, "display": _("en vigueur")} if index == 0 else choice


class CorrectionPermissions:
    """A correction is a guardian's data: the guardian permissions govern it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("accounts.view_guardian"))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("accounts.view_guardian"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("accounts.change_guardian"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def kept_corrections(guardian: Guardian) -> str:
    """The guardian page's list of what the next import keeps over SIECLE."""
    corrections = RosterCorrection.objects.filter(
        guardian=guardian, status=RosterCorrection.Status.ACTIVE
    ).select_related("student")
    items = [
        (
            gettext("%(what)s : %(portal)s (SIECLE : %(siecle)s), corrigé le %(date)s")
            % {
                "what": str(correction.student)
                if correction.student
                else correction.get_field_display(),
                "portal": portal_value(correction),
                "siecle": siecle_value(correction),
                "date": display_date(correction.corrected_at),
            },
        )
        for correction in corrections
    ]
    if not items:
        return gettext("aucune")
    url = reverse("admin:roster_rostercorrection_changelist")
    return format_html(
        '<ul>{}</ul><a href="{}">{}</a>',
        format_html_join("", "<li>{}</li>", items),
        url,
        gettext("Reprendre la valeur de SIECLE : Corrections du portail"),
    )


def portal_value(obj: RosterCorrection) -> str:
    return display_correction_value(obj.field, obj.corrected_value) or gettext("aucun")


def siecle_value(obj: RosterCorrection) -> str:
    if obj.field == RosterCorrection.Field.LINK:
        return gettext("rattaché")
    return display_correction_value(obj.field, obj.siecle_value) or gettext("aucun")


@admin.register(RosterCorrection)
class RosterCorrectionAdmin(CorrectionPermissions, EstablishmentScopedAdmin):
    list_display = DISPLAY_FIELDS
    list_select_related = ["guardian", "student", "corrected_by"]
    list_filter = [StatusFilter, "field", EstablishmentFilter]
    search_fields = ["guardian__last_name", "guardian__first_name", "student__last_name"]
    fields = DETAIL_FIELDS
    readonly_fields = DETAIL_FIELDS
    actions = ["drop"]

    @admin.display(description=_("valeur du portail (conservée)"))
    def portal_value(self, obj: RosterCorrection) -> str:
        return portal_value(obj)

    @admin.display(description=_("valeur de SIECLE"))
    def siecle_value_shown(self, obj: RosterCorrection) -> str:
        return siecle_value(obj)

    @admin.action(
        description=_("Abandonner la correction et reprendre la valeur de SIECLE"),
        permissions=["change"],
    )
    def drop(self, request: HttpRequest, queryset: QuerySet[RosterCorrection]) -> None:
        dropped = sum(
            actions.staff_correction_drop(
                staff=staff_of(request), correction=correction, ip_address=client_ip(request)
            )
            for correction in queryset.filter(status=RosterCorrection.Status.ACTIVE)
        )
        messages.success(
            request,
            _(
                "Corrections abandonnées : %(n)d. Un mobile, un e-mail ou un consentement "
                "reprend tout de suite la valeur de SIECLE ; un lien détaché revient au prochain "
                "import s'il figure encore dans SIECLE."
            )
            % {"n": dropped},
        )
