"""Roster import from the console: dry run, then apply the same files; scoped and audited."""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.demo import seed_demo
from accounts.models import AuditEvent, Establishment, Student, User

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).parents[1] / "roster" / "imports" / "samples"


@pytest.fixture
def secretary(client: Client, settings, tmp_path: Path) -> Client:
    settings.VAR_DIR = tmp_path
    seed_demo()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    return client


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())


def import_url(uai: str) -> str:
    school = Establishment.objects.get(uai=uai)
    return reverse("admin:accounts_establishment_import", args=[school.pk])


def test_a_dry_run_writes_nothing_then_apply_imports_and_audits(secretary: Client) -> None:
    url = import_url("0750654D")
    before = Student.objects.count()
    dry = secretary.post(url, {"files": [upload("ElevesSansAdresses.xml")]})
    assert dry.status_code == HTTPStatus.OK
    assert "simulation" in dry.content.decode()
    assert Student.objects.count() == before
    applied = secretary.post(url, {"apply": "1"})
    assert applied.status_code == HTTPStatus.OK
    assert "Import appliqué" in applied.content.decode()
    assert Student.objects.count() > before
    event = AuditEvent.objects.get(event_type="roster_imported")
    assert event.actor.identifier == "claire.bernard1"
    assert secretary.post(url, {"apply": "1"}).status_code == HTTPStatus.FOUND  # nothing pending


def test_a_corrupt_file_is_refused_in_french(secretary: Client) -> None:
    response = secretary.post(import_url("0750654D"), {"files": [upload("bad/tronque.xml")]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Import refusé" in response.content.decode()


def test_another_schools_import_page_is_forbidden(secretary: Client) -> None:
    response = secretary.post(import_url("0910000F"), {"files": [upload("ElevesSansAdresses.xml")]})
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_files_checked_for_one_school_cannot_be_applied_to_another(
    client: Client, settings, tmp_path
) -> None:
    settings.VAR_DIR = tmp_path
    seed_demo()
    client.force_login(User.objects.get(identifier="admin.academie1"))
    client.post(import_url("0750654D"), {"files": [upload("ElevesSansAdresses.xml")]})
    response = client.post(import_url("0910000F"), {"apply": "1"})
    assert response.status_code == HTTPStatus.FOUND
    assert not AuditEvent.objects.filter(event_type="roster_imported").exists()
