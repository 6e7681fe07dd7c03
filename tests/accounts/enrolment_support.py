"""Staff enrolment as the tests drive it: an invitation link, the two pages after it, and a
code computed from the secret the enrolment page shows (as an authenticator app would)."""

from __future__ import annotations

import base64
import html
import re
from http import HTTPStatus

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from accounts.models import User
from accounts.twofactor.invitations import invitation_issue

NEW_STAFF_PASSWORD = "Registre-Appel-2027!"
_KEY = re.compile(r"<code>([A-Z2-7 ]{16,})</code>")
_RECOVERY = re.compile(r"<code>([a-z0-9]{8})</code>")


def invitation_path(user: User, *, by: User | None = None) -> str:
    """A fresh invitation for ``user`` (as the console issues one), as a site path."""
    _invitation, token = invitation_issue(
        user=user, created_by=by, email=user.email, now=timezone.now()
    )
    return reverse("console:invitation_link", args=[token])


def shown_key(page: str) -> bytes:
    """The secret the enrolment page shows to type by hand (base32, in groups of four)."""
    match = _KEY.search(html.unescape(page))
    assert match is not None, "no key on the enrolment page"
    typed = match.group(1).replace(" ", "")
    return base64.b32decode(typed + "=" * (-len(typed) % 8))


def code_for(key: bytes) -> str:
    return f"{totp(key):06d}"


def recovery_codes(page: str) -> list[str]:
    return _RECOVERY.findall(page)


def pass_password_step(client: Client, *, password: str = NEW_STAFF_PASSWORD) -> None:
    """The first page after the link: a first password, or the current one."""
    page = client.get(reverse("console:invitation")).content.decode()
    if 'name="new_password1"' in page:
        data = {"new_password1": password, "new_password2": password}
    else:
        data = {"password": password}
    response = client.post(reverse("console:invitation"), data)
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()
    assert response["Location"] == reverse("console:invitation_enrol")


def enrol(client: Client, link: str, *, password: str = NEW_STAFF_PASSWORD) -> list[str]:
    """Open ``link``, pass the password step, type a code of the secret shown; the recovery
    codes shown once."""
    client.get(link)
    pass_password_step(client, password=password)
    page = client.get(reverse("console:invitation_enrol")).content.decode()
    done = client.post(reverse("console:invitation_enrol"), {"token": code_for(shown_key(page))})
    assert done.status_code == HTTPStatus.OK, done.content.decode()
    return recovery_codes(done.content.decode())
