"""The checklist next to a new password: ticked live by a static script, checked by the server."""

from __future__ import annotations

import html
import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from recovery.forms.forgot import ResetPasswordForm
from tests.conftest import DEMO_PASSWORD


def rules_of(markup: str) -> dict[str, str]:
    return {
        html.unescape(text): key
        for key, text in re.findall(r'data-rule="(\w+)"[^>]*>([^<]+)</p>', markup)
    }


def test_each_rule_says_whether_the_browser_or_only_the_server_checks_it(parent: User) -> None:
    markup = ResetPasswordForm(parent)["new_password1"].as_field_group()
    rules = rules_of(markup)
    assert list(rules.values()) == ["length", "classes", "server", "personal", "server", "server"]
    assert 'data-rule="length" data-min-length="12"' in markup
    assert all(
        "vérifié à l’envoi" in text
        for text, key in rules.items()
        if key == "server" and "courant." not in text
    )
    assert 'data-personal="patrick.dupont1 Patrick Dupont"' in markup


@pytest.mark.django_db
def test_the_script_is_a_static_file_loaded_with_the_pages_nonce(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    page = response.content.decode()
    script = re.search(r'<script src="[^"]*password-rules\.js" nonce="([^"]+)" defer>', page)
    assert script is not None
    assert f"'nonce-{script.group(1)}'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_without_javascript_the_server_refuses_a_breached_password_in_french(
    parent: User,
) -> None:
    client = Client()
    client.post(
        reverse("accounts:login"), {"identifier": parent.identifier, "password": DEMO_PASSWORD}
    )
    response = client.post(
        reverse("myaccount:change_password"),
        {
            "current_password": DEMO_PASSWORD,
            "new_password1": "always&4ever",
            "new_password2": "always&4ever",
        },
    )
    page = html.unescape(response.content.decode())
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST)
    assert (
        '<p class="fr-message fr-message--error">Ce mot de passe figure dans des listes de '
        "mots de passe volés"
    ) in page
    assert "Pas un mot de passe connu de fuites de données" in page
