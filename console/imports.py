"""Roster import from the console: upload, read the dry run, then apply the same files.

The uploaded files wait in ``roster.staging`` between the two steps; the stage's id lives in the
staff member's session, so nobody else can apply them.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment, User
from core.http import client_ip
from roster.imports import RosterFileError, roster_import
from roster.staging import stage_discard, stage_files, staged_files

SESSION_KEY = "_roster_import"
MAX_FILES = 4


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[object]:
        items = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items]
        if len(cleaned) > MAX_FILES:
            raise forms.ValidationError(_("Choisissez un ou deux fichiers (élèves, responsables)."))
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        for upload in cleaned:
            if getattr(upload, "size", 0) > limit:
                raise forms.ValidationError(
                    _(
                        "Le fichier « %(name)s » est trop volumineux (%(mb)s Mo au plus) : "
                        "déposez l'export SIECLE tel quel, sans autre fichier."
                    )
                    % {"name": str(getattr(upload, "name", ""))[:100], "mb": _megabytes(limit)}
                )
        return cleaned


def _megabytes(size: int) -> int:
    return max(1, size // (1024 * 1024))


class RosterUploadForm(forms.Form):
    # The form metaclass moves declared fields to base_fields; the stubs see BaseForm.files.
    files = MultipleFileField(  # type: ignore[assignment]
        label=_("Fichiers exportés de SIECLE (XML ou ZIP) ou fichier CSV")
    )


def import_view(
    request: HttpRequest, establishment: Establishment, site_context: dict[str, object]
) -> HttpResponse:
    """GET: the upload form. POST upload: dry run. POST apply: apply the files dry-run before."""
    staff: User = request.user  # type: ignore[assignment]
    pending = request.session.get(SESSION_KEY, {})
    context: dict[str, object] = {
        **site_context,
        "establishment": establishment,
        "title": _("Importer"),
    }
    if request.method == "POST" and request.POST.get("apply"):
        same_school = pending.get("establishment") == establishment.pk
        files = staged_files(pending.get("token", "")) if same_school else []
        if not files:
            messages.error(request, _("L'import a expiré : déposez à nouveau les fichiers."))
            return redirect(request.path)
        try:
            report = roster_import(
                establishment=establishment,
                files=files,
                apply=True,
                actor=staff,
                ip_address=client_ip(request),
            )
        except RosterFileError as error:
            context.update(form=RosterUploadForm(), error=str(error))
            return render(request, "admin/accounts/import.html", context, status=400)
        stage_discard(pending["token"])
        request.session.pop(SESSION_KEY, None)
        context.update(report=report, applied=True)
        return render(request, "admin/accounts/import.html", context)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = [(f.name, f.read()) for f in form.cleaned_data["files"]]
        try:
            report = roster_import(establishment=establishment, files=files, apply=False)
        except RosterFileError as error:
            context.update(form=form, error=str(error))
            return render(request, "admin/accounts/import.html", context, status=400)
        if pending.get("token"):
            stage_discard(pending["token"])
        request.session[SESSION_KEY] = {
            "token": stage_files(files),
            "establishment": establishment.pk,
        }
        context.update(form=form, report=report)
        return render(request, "admin/accounts/import.html", context)
    status = HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK
    context["form"] = form
    return render(request, "admin/accounts/import.html", context, status=status)
