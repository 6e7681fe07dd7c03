"""Every SMS fits one GSM-7 segment; every e-mail has a subject, a text and an HTML part."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings

from core.text import MAX_PART_LENGTH
from notifications.rendering import SMS_SEGMENT, gsm7_length, render

SMS_TEMPLATES = sorted(p.stem for p in (settings.BASE_DIR / "templates" / "sms").glob("*.txt"))
EMAIL_TEMPLATES = sorted(
    p.name.removesuffix("-subject.txt")
    for p in (settings.BASE_DIR / "templates" / "emails").glob("*-subject.txt")
)
# The longest identifier there can be: two folded names at their cap and a 3-digit number.
LONGEST_IDENTIFIER = "a" * MAX_PART_LENGTH + "." + "b" * MAX_PART_LENGTH + "999"
LONG_VALUES = {
    "identifier": LONGEST_IDENTIFIER,
    "identifiers": ["jean-baptiste.dupont-moretti1", "jean-baptiste.dupont-moretti2"],
    # A merge names both accounts (accounts.merge).
    "closed_identifier": LONGEST_IDENTIFIER,
    "kept_identifier": LONGEST_IDENTIFIER,
    "code": "987654",
    # The lifetimes every code's message announces (recovery.codes.lifetimes).
    "code_minutes": 30,
    "email_link_hours": 24,
    "school": "Lycée polyvalent Jean-Baptiste",
    "url": "https://portail.exemple.fr/inscription/",
    "login_url": "https://portail.exemple.fr/connexion/",
    "link": "https://portail.exemple.fr/mot-de-passe-perdu/lien/" + "A" * 43 + "/",  # 96
    # The new-device notice: the longest label accounts.devices gives, the longest address.
    "device": "Samsung Internet sur Android",
    "ip_address": "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    "signed_in_at": dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
    "days": 90,
}


def test_there_are_sms_and_email_templates() -> None:
    assert len(SMS_TEMPLATES) >= 6
    assert len(EMAIL_TEMPLATES) >= 4


@pytest.mark.parametrize("template", SMS_TEMPLATES)
def test_each_sms_is_gsm7_and_one_segment(template: str) -> None:
    text = render("sms", template, LONG_VALUES, {}, redact=False).text
    length = gsm7_length(text)
    bad = sorted({ch for ch in text if gsm7_length(ch) is None})
    assert length is not None, f"{template}: characters outside GSM-7: {bad}"
    assert length <= SMS_SEGMENT, f"{template}: {length} septets: {text!r}"


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_each_email_has_subject_text_and_html(template: str) -> None:
    rendered = render("email", template, LONG_VALUES, {}, redact=False)
    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.strip()
    assert rendered.html.lstrip().startswith("<!DOCTYPE html>")
    body_template = Path(settings.BASE_DIR / f"templates/emails/{template}-body.txt")
    if "{{ link }}" in body_template.read_text():
        assert LONG_VALUES["link"] in rendered.text
        assert "&amp;" not in rendered.text


def test_secrets_are_redacted_in_the_logged_copy() -> None:
    logged = render("sms", "password_reset_code", {}, {"code": "123456"}, redact=True)
    assert "123456" not in logged.text
    assert "••••••" in logged.text
