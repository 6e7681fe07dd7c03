""" "This is not my child" reports, handled by the child's school."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import AttachmentReport
from console import actions
from console.admin.base import EstablishmentFilter, EstablishmentScopedAdmin, staff_of
from core.http import client_ip


class ResolutionForm(forms.ModelForm):  # type: ignore[type-arg]
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            ("", "—"),
            ("detach", _("Détacher l'enfant de ce parent")),
            ("dismiss", _("Classer sans suite (le rattachement est correct)")),
        ],
        required=False,
    )

    class Meta:
        model = AttachmentReport
        fields = ["resolution_comment"]


@admin.register(AttachmentReport)
class AttachmentReportAdmin(EstablishmentScopedAdmin):
    form = ResolutionForm
    list_display = ["created_at", "student", "reporter", "status", "establishment"]
    list_filter = ["status", EstablishmentFilter]
    readonly_fields = ["reporter", "student", "establishment", "comment", "status", "created_at"]
    fields = [*readonly_fields, "decision", "resolution_comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: AttachmentReport, form: Any, change: bool
    ) -> None:
        decision = form.cleaned_data.get("decision")
        if decision:
            actions.attachment_report_resolve(
                staff=staff_of(request),
                report=AttachmentReport.objects.get(pk=obj.pk),
                detach=decision == "detach",
                comment=form.cleaned_data.get("resolution_comment", ""),
                ip_address=client_ip(request),
            )
