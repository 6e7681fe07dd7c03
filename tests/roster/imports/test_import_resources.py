"""An import holds one record in memory at a time, however the file is padded; the upload, the
elements read and the files left staged are all bounded (issue 16, item 11)."""

from __future__ import annotations

import io
import os
import time
import tracemalloc
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.demo import seed_demo
from accounts.models import Establishment, User
from roster import staging, tasks
from roster.imports import RosterFileError
from roster.imports.siecle import MAX_RECORD_ELEMENTS, parse_siecle
from tests.roster.imports.builders import student, students_xml

pytestmark = pytest.mark.django_db

PADDING = 100_000


def _padded(where: str, count: int = PADDING) -> bytes:
    """A valid students export with ``count`` empty elements where SIECLE puts none."""
    document = students_xml([student("1")]).decode()
    junk = "<X/>" * count
    if where == "root":
        return document.replace("<DONNEES>", f"{junk}<DONNEES>", 1).encode()
    if where == "parametres":
        return document.replace("</PARAMETRES>", f"{junk}</PARAMETRES>", 1).encode()
    if where == "unknown section":
        return document.replace("</DONNEES>", f"<AUTRES>{junk}</AUTRES></DONNEES>", 1).encode()
    raise AssertionError(where)


def _peak_while_parsing(data: bytes) -> int:
    tracemalloc.start()
    try:
        parse_siecle("e.xml", io.BytesIO(data), expected_uai="0750654D")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("where", ["root", "parametres", "unknown section"])
def test_it_frees_the_elements_outside_the_records_as_it_streams(where: str) -> None:
    # Kept, 100,000 elements weigh about 8 MB; dropped as read, under 1 MB.
    assert _peak_while_parsing(_padded(where)) < 3 * 1024 * 1024


def test_it_refuses_a_file_with_more_elements_than_allowed_in_french(settings) -> None:
    settings.ROSTER_IMPORT_MAX_ELEMENTS = 10_000
    with pytest.raises(RosterFileError, match="trop d'éléments XML"):
        parse_siecle("e.xml", io.BytesIO(_padded("root", 20_000)), expected_uai="0750654D")


def test_it_refuses_one_record_holding_too_many_elements() -> None:
    document = students_xml([student("1")]).decode()
    bloated = document.replace("</ELEVE>", "<X/>" * (MAX_RECORD_ELEMENTS + 1) + "</ELEVE>", 1)
    with pytest.raises(RosterFileError, match="trop d'éléments XML"):
        parse_siecle("e.xml", io.BytesIO(bloated.encode()), expected_uai="0750654D")


# --- The upload --------------------------------------------------------------------------


@pytest.fixture
def secretary(client: Client, settings, tmp_path: Path) -> Client:
    settings.VAR_DIR = tmp_path
    seed_demo()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    return client


def _import_url() -> str:
    school = Establishment.objects.get(uai="0750654D")
    return reverse("admin:accounts_establishment_import", args=[school.pk])


def test_a_file_over_the_upload_cap_is_refused_in_french(secretary: Client, settings) -> None:
    settings.ROSTER_UPLOAD_MAX_BYTES = 4096
    big = SimpleUploadedFile("ElevesSansAdresses.xml", students_xml([student("1")]) + b" " * 5000)
    response = secretary.post(_import_url(), {"files": [big]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "trop volumineux" in response.content.decode()


def test_a_body_over_the_request_cap_is_refused_before_it_is_read(
    secretary: Client, settings
) -> None:
    settings.REQUEST_BODY_MAX_BYTES = 10_000
    big = SimpleUploadedFile("ElevesSansAdresses.xml", b"<" * 20_000)
    response = secretary.post(_import_url(), {"files": [big]})
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    page = response.content.decode()
    assert '<html lang="fr"' in page and "Envoi trop volumineux" in page


# --- Staged uploads ------------------------------------------------------------------------


def test_stages_never_applied_are_purged_on_a_schedule(settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    stale = staging.stage_files([("e.xml", b"<x/>")])
    fresh = staging.stage_files([("e.xml", b"<x/>")])
    old = time.time() - django_settings.ROSTER_STAGE_MAX_AGE_SECONDS - 60
    os.utime(tmp_path / "imports" / stale, (old, old))

    assert tasks.purge_stale_stages() == 1

    assert staging.staged_files(stale) == []
    assert staging.staged_files(fresh) == [("e.xml", b"<x/>")]
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "roster.purge_stale_stages" in schedule
