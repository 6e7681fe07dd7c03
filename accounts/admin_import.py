"""Roster import from the console: upload, read the dry run, then apply the same files.

The uploaded files wait under ``VAR_DIR/imports/<random id>/`` between the two steps (a volume
shared by the web processes in docker-compose); the id lives in the staff member's session,
so nobody else can apply them. They are deleted once applied or replaced.
"""

from __future__ import annotations

import secrets
import shutil
from http import HTTPStatus
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_event_record
from accounts.imports.records import RosterFileError
from accounts.imports.service import roster_import
from accounts.models import AuditEvent, Establishment, User
from educonnect.http import client_ip

SESSION_KEY = "_roster_import"
MAX_FILES = 4


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> list[object]:
        items = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items]
        if len(cleaned) > MAX_FILES:
            raise forms.ValidationError(_("Choisissez un ou deux fichiers (élèves, responsables)."))
        return cleaned


class RosterUploadForm(forms.Form):
    files = MultipleFileField(label=_("Fichiers exportés de SIECLE (XML ou ZIP) ou fichier CSV"))


def _import_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _stash(files: list[tuple[str, bytes]]) -> str:
    token = secrets.token_hex(16)
    directory = _import_dir() / token
    directory.mkdir(parents=True, exist_ok=True)
    for index, (name, data) in enumerate(files):
        (directory / f"{index}-{Path(name).name[:100]}").write_bytes(data)
    return token


def _unstash(token: str) -> list[tuple[str, bytes]]:
    directory = _import_dir() / token
    if not token.isalnum() or not directory.is_dir():
        return []
    return [(path.name.split("-", 1)[1], path.read_bytes()) for path in sorted(directory.iterdir())]


def _discard(token: str) -> None:
    if token.isalnum():
        shutil.rmtree(_import_dir() / token, ignore_errors=True)


def import_view(request: HttpRequest, establishment: Establishment) -> HttpResponse:
    """GET: the upload form. POST upload: dry run. POST apply: apply the files dry-run before."""
    staff: User = request.user  # type: ignore[assignment]
    pending = request.session.get(SESSION_KEY, {})
    context: dict[str, object] = {"establishment": establishment, "title": _("Importer")}
    if request.method == "POST" and request.POST.get("apply"):
        same_school = pending.get("establishment") == establishment.pk
        files = _unstash(pending.get("token", "")) if same_school else []
        if not files:
            messages.error(request, _("L'import a expiré : déposez à nouveau les fichiers."))
            return redirect(request.path)
        try:
            report = roster_import(establishment=establishment, files=files, apply=True)
        except RosterFileError as error:
            context.update(form=RosterUploadForm(), error=str(error))
            return render(request, "admin/accounts/import.html", context, status=400)
        _discard(pending["token"])
        request.session.pop(SESSION_KEY, None)
        audit_event_record(
            event_type=AuditEvent.Type.ROSTER_IMPORTED,
            actor=staff,
            establishment=establishment,
            ip_address=client_ip(request),
            details={"files": report.files, "rows_written": report.rows_written},
        )
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
            _discard(pending["token"])
        request.session[SESSION_KEY] = {"token": _stash(files), "establishment": establishment.pk}
        context.update(form=form, report=report)
        return render(request, "admin/accounts/import.html", context)
    status = HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK
    context["form"] = form
    return render(request, "admin/accounts/import.html", context, status=status)
