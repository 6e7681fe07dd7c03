"""The console page where an académie administrator merges two accounts of one person:
the two identifiers, the preview, then the confirmation (POST with the fingerprint shown)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from console.admin.base import staff_of
from console.merging import (
    AccountNotFound,
    MergeRefused,
    may_merge_accounts,
    staff_merge,
    staff_merge_preview,
)
from core.converters import parse_database_id
from core.fields import IdentifierField
from core.http import request_facts

FINGERPRINT_LENGTH = 64


class MergeForm(forms.Form):
    kept = IdentifierField(
        label=gettext_lazy("Compte conservé (identifiant)"),
        help_text=gettext_lazy("Il reçoit les enfants, l'e-mail et les identifiants de l'autre."),
    )
    closed = IdentifierField(
        label=gettext_lazy("Compte à fermer (identifiant)"),
        help_text=gettext_lazy(
            "Son identifiant continuera de fonctionner pour le compte conservé."
        ),
    )


def merge_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:  # type: ignore[type-arg]
    """GET (the action's two accounts, or none): the form. POST: the preview. POST with
    ``confirm``: the merge of the two accounts previewed, refused if either changed since."""
    staff = staff_of(request)
    if not may_merge_accounts(staff):
        raise PermissionDenied
    form = MergeForm(request.POST or request.GET or None)
    context: dict[str, Any] = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Regrouper deux comptes"),
        "form": form,
    }
    if request.method == "POST" and request.POST.get("confirm"):
        return _confirm(request, staff, context)
    status = HTTPStatus.OK
    if form.is_bound and form.is_valid():
        try:
            context["preview"] = staff_merge_preview(
                staff=staff, kept=form.cleaned_data["kept"], closed=form.cleaned_data["closed"]
            )
        except AccountNotFound as error:
            form.add_error(None, _("Aucun compte n'a l'identifiant %(id)s.") % {"id": error})
            status = HTTPStatus.BAD_REQUEST
        except MergeRefused as error:
            form.add_error(None, error.message)
            status = HTTPStatus.BAD_REQUEST
    elif form.is_bound:
        status = HTTPStatus.BAD_REQUEST
    return render(request, "admin/accounts/user/merge.html", context, status=status)


def _confirm(request: HttpRequest, staff: User, context: dict[str, Any]) -> HttpResponse:
    kept_id = parse_database_id(request.POST.get("kept_id", ""))
    closed_id = parse_database_id(request.POST.get("closed_id", ""))
    kept = User.objects.filter(pk=kept_id).first() if kept_id else None
    if kept is None or closed_id is None:
        context["form"].add_error(None, _("Les comptes ont changé : vérifiez l'aperçu."))
        return render(request, "admin/accounts/user/merge.html", context, status=400)
    try:
        result = staff_merge(
            staff=staff,
            kept_id=kept.pk,
            closed_id=closed_id,
            fingerprint=request.POST.get("fingerprint", "")[:FINGERPRINT_LENGTH],
            facts=request_facts(request),
        )
    except MergeRefused as error:
        context["form"].add_error(None, error.message)
        status = HTTPStatus.CONFLICT if error.code == "changed" else HTTPStatus.BAD_REQUEST
        return render(request, "admin/accounts/user/merge.html", context, status=status)
    if result.merged:
        messages.success(
            request, _("Les deux comptes sont regroupés dans %(kept)s.") % {"kept": kept.identifier}
        )
    else:
        messages.info(request, _("Ces deux comptes étaient déjà regroupés."))
    return redirect(reverse("admin:accounts_user_change", args=[kept.pk]))
