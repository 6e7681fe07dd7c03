"""Whatever bytes are uploaded, the import answers with a report or a French refusal."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Establishment
from roster.imports import RosterFileError, roster_import
from roster.imports.siecle import parse_siecle
from tests.roster.imports.builders import guardians_xml, link, person, student, students_xml

pytestmark = pytest.mark.django_db

_fixture_ok = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_fixture_ok
@given(data=st.binary(max_size=600), name=st.sampled_from(["e.xml", "e.zip", "e.csv", "e"]))
def test_it_answers_any_bytes_with_a_report_or_a_refusal(
    college: Establishment, data: bytes, name: str
) -> None:
    try:
        roster_import(establishment=college, files=[(name, data)], apply=False)
    except RosterFileError as error:
        assert error.message


@_fixture_ok
@given(data=st.binary(max_size=400))
def test_it_answers_any_zip_member_with_a_report_or_a_refusal(
    college: Establishment, data: bytes
) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ElevesSansAdresses.xml", data)
    try:
        roster_import(establishment=college, files=[("e.zip", archive.getvalue())], apply=False)
    except RosterFileError as error:
        assert error.message


# Any character XML 1.0 can carry (letters, digits, punctuation, symbols, spaces).
_text = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"], codec="utf-8"),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(born=_text, left=_text, ine=_text, last=_text, mobile=_text, level=_text, sms=_text)
def test_it_reads_any_element_text_as_a_row_or_a_reason(
    born: str, left: str, ine: str, last: str, mobile: str, level: str, sms: str
) -> None:
    students = parse_siecle(
        "e.xml",
        io.BytesIO(students_xml([student("1", born=born, left=left, ine=ine, last=last)])),
        expected_uai="0750654D",
    )
    assert len(students.students) + len(students.rejections) == 1

    guardians = parse_siecle(
        "r.xml",
        io.BytesIO(
            guardians_xml([person("10", mobile=mobile, sms=sms)], [link("1", "10", level=level)])
        ),
        expected_uai="0750654D",
    )
    assert len(guardians.guardians) == 1
    assert len(guardians.links) + len(guardians.rejections) == 1
