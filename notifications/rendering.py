"""Rendering messages from templates, twice: for sending, and redacted for the log.

SMS are ``templates/sms/<name>.txt``; e-mails are ``templates/emails/<name>-subject.txt``,
``-body.txt`` and ``-body.html``. Secrets (codes, link tokens) are passed apart from
the rest of the context so the logged copy can show ``••••••`` in their place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

REDACTED = "••••••"

# GSM 03.38: what one SMS segment can carry without switching to UCS-2 (70 characters).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
SMS_SEGMENT = 160


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def gsm7_length(text: str) -> int | None:
    """Length in GSM-7 septets, or None when a character forces UCS-2 encoding."""
    length = 0
    for ch in text:
        if ch in GSM7_BASIC:
            length += 1
        elif ch in GSM7_EXTENDED:
            length += 2
        else:
            return None
    return length


def _context(context: dict[str, Any], secrets: dict[str, str], *, redact: bool) -> dict[str, Any]:
    shown = {key: REDACTED for key in secrets} if redact else secrets
    return {**context, **shown}


def render(
    channel: str,
    template: str,
    context: dict[str, Any],
    secrets: dict[str, str],
    *,
    redact: bool,
    language: str | None = None,
) -> Rendered:
    """The message in ``language`` (the one the person used when they asked), French by
    default."""
    values = _context(context, secrets, redact=redact)
    with translation.override(language or settings.LANGUAGE_CODE):
        if channel == "sms":
            return Rendered("", render_to_string(f"sms/{template}.txt", values).strip(), "")
        subject = render_to_string(f"emails/{template}-subject.txt", values)
        return Rendered(
            " ".join(subject.split()),
            render_to_string(f"emails/{template}-body.txt", values),
            render_to_string(f"emails/{template}-body.html", values),
        )
