"""Forced password renewal campaigns in the console, académie level only (superusers): the
form, the preview that counts the accounts first, then the list and each campaign's progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Establishment
from console import campaigns
from console.admin.base import staff_of
from console.models import RenewalCampaign
from core.converters import parse_database_id
from core.http import request_facts


class CampaignForm(forms.Form):
    is_academie_wide = forms.BooleanField(
        label=_("Toute l'académie"), required=False, help_text=_("Sinon, choisissez ci-dessous.")
    )
    establishments = forms.ModelMultipleChoiceField(
        label=_("Établissements"),
        queryset=Establishment.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )
    kinds = forms.ChoiceField(
        label=_("Comptes"),
        choices=RenewalCampaign.Kinds.choices,
        initial=RenewalCampaign.Kinds.BOTH,
        widget=forms.RadioSelect,
    )
    cutoff = forms.DateField(
        label=_("Mot de passe défini avant le"),
        help_text=_(
            "Chaque compte dont le mot de passe date d'avant ce jour devra en choisir un nouveau."
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_sessions = forms.BooleanField(
        label=_("Fermer aussi toutes les sessions ouvertes de ces comptes"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        cutoff = data.get("cutoff")
        if cutoff is not None and cutoff > timezone.localdate():
            self.add_error("cutoff", _("Choisissez une date passée ou celle d'aujourd'hui."))
        if data.get("is_academie_wide") == bool(data.get("establishments")):
            self.add_error(
                None, _("Choisissez des établissements, ou toute l'académie (pas les deux).")
            )
        return data

    @property
    def chosen_establishments(self) -> list[Establishment] | None:
        if self.cleaned_data["is_academie_wide"]:
            return None
        return list(self.cleaned_data["establishments"])

    @property
    def cutoff_at(self) -> dt.datetime:
        """Midnight, local time, at the start of the chosen day: "before 26 March" excludes it."""
        day: dt.date = self.cleaned_data["cutoff"]
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@admin.register(RenewalCampaign)
class RenewalCampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["started_at", "started_by", "scope", "kinds", "cutoff_at", "marked_count"]
    list_select_related = ["started_by"]

    @admin.display(description=_("établissements"))
    def scope(self, obj: RenewalCampaign) -> str:
        if obj.is_academie_wide:
            return str(_("Toute l'académie"))
        return ", ".join(school.name for school in obj.establishments.all())

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("establishments")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """GET: the form. POST: the preview (counts); POST with ``confirm``: start it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CampaignForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.opts,
            "title": _("Nouvelle campagne de renouvellement des mots de passe"),
        }
        if request.method != "POST" or not form.is_valid():
            return render(request, "admin/console/renewalcampaign/new.html", context)
        criteria = {
            "establishments": form.chosen_establishments,
            "kinds": form.cleaned_data["kinds"],
            "cutoff_at": form.cutoff_at,
        }
        if not request.POST.get("confirm"):
            total, rows = campaigns.preview(**criteria)
            fields = [(name, value) for name in form.fields for value in request.POST.getlist(name)]
            context.update(total=total, rows=rows, is_preview=True, confirm_fields=fields)
            return render(request, "admin/console/renewalcampaign/new.html", context)
        campaign = campaigns.campaign_start(
            actor=staff_of(request),
            ends_sessions=form.cleaned_data["ends_sessions"],
            facts=request_facts(request),
            **criteria,
        )
        count = campaign.marked_count
        messages.success(
            request,
            ngettext(
                "Campagne lancée : %(count)d compte devra changer son mot de passe.",
                "Campagne lancée : %(count)d comptes devront changer leur mot de passe.",
                count,
            )
            % {"count": count},
        )
        return redirect(reverse("admin:console_renewalcampaign_change", args=[campaign.pk]))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """A campaign's progress: changed / still to change, in all and per establishment."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pk = parse_database_id(object_id)
        if pk is None:
            raise Http404
        campaign = get_object_or_404(self.get_queryset(request), pk=pk)
        totals, rows = campaigns.progress(campaign)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "campaign": campaign,
            "scope": self.scope(campaign),
            "totals": totals,
            "rows": rows,
            "title": str(campaign),
        }
        return render(request, "admin/console/renewalcampaign/detail.html", context)
