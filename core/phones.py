"""Mobile numbers: parsing what schools and parents type into E.164, and masking for display.

A number written nationally is tried as metropolitan France first, then as each overseas
region, because ``0692…`` (Réunion) or ``0639…`` (Mayotte) are not valid FR numbers but are
perfectly good mobiles.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

NATIONAL_REGIONS = ("FR", "RE", "YT", "GP", "MQ", "GF", "PM", "BL", "MF", "NC", "PF", "WF")
SMS_CAPABLE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
MAX_INPUT_LENGTH = 40


class InvalidPhoneNumber(ValueError):
    """The text is not a mobile number we can send an SMS to."""


def _is_sms_capable(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.is_valid_number(number) and (
        phonenumbers.number_type(number) in SMS_CAPABLE_TYPES
    )


def normalize_mobile(raw: str) -> str:
    """Return the E.164 form of a mobile number, or raise InvalidPhoneNumber."""
    text = (raw or "").strip()
    if not text or len(text) > MAX_INPUT_LENGTH:
        raise InvalidPhoneNumber(raw)
    if text.startswith("00"):
        text = "+" + text[2:]
    regions = (None,) if text.startswith("+") else NATIONAL_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if _is_sms_capable(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise InvalidPhoneNumber(raw)


def mask_phone(e164: str) -> str:
    """Show a number the way a parent recognises it, hiding all but the last two digits.

    ``+33612345642`` → ``06 •• •• •• 42``, ``+262692123456`` → ``0692 •• •• 56``: the first
    group (operator or country prefix) and the last two digits stay visible.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "••"
    region = phonenumbers.region_code_for_number(number)
    if region in NATIONAL_REGIONS:
        national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    else:
        national = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    first_group = re.match(r"\+?\d+", national)
    keep_head = first_group.end() if first_group else 0
    total_digits = sum(ch.isdigit() for ch in national)
    digits_seen = sum(ch.isdigit() for ch in national[:keep_head])
    out = [national[:keep_head]]
    for ch in national[keep_head:]:
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen > total_digits - 2 else "•")
        else:
            out.append(ch)
    return "".join(out)
