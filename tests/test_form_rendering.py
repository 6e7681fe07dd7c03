"""Fields drawn by the form renderer (core.renderers): DSFR markup tied for screen readers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus

import pytest
from django.contrib.auth import password_validation
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.forms import LoginForm
from myaccount.forms import AttachmentReportForm
from recovery.forms.forgot import ForgotPasswordForm, ResetPasswordForm
from recovery.forms.signup import SignupPasswordForm


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    with translation.override("fr"):
        yield


def input_tag(html: str, name: str) -> str:
    return re.search(rf'<(?:input|textarea)[^>]* name="{name}"[^>]*>', html).group(0)  # type: ignore[union-attr]


def test_a_text_field_ties_its_hint_and_its_error_to_its_input(rf) -> None:  # type: ignore[no-untyped-def]
    form = LoginForm(rf.post("/"), data={"identifier": "", "password": "x"})
    html = form["identifier"].as_field_group()
    tag = input_tag(html, "identifier")
    assert 'class="fr-input fr-input--error"' in tag
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_identifier_helptext id_identifier_error"' in tag
    assert 'autocomplete="username webauthn"' in tag
    assert 'id="id_identifier_helptext"' in html and 'id="id_identifier_error"' in html
    assert "fr-input-group--error" in html
    assert '<label class="fr-label" for="id_identifier">Identifiant</label>' in html


def test_a_valid_text_field_has_no_error_markup(rf) -> None:  # type: ignore[no-untyped-def]
    form = LoginForm(rf.get("/"))
    html = form["identifier"].as_field_group()
    assert 'class="fr-input"' in input_tag(html, "identifier")
    assert "error" not in html


def test_a_textarea_is_a_dsfr_input_too() -> None:
    html = AttachmentReportForm()["comment"].as_field_group()
    assert 'class="fr-input"' in input_tag(html, "comment")


def test_a_password_is_described_by_its_messages_and_can_be_shown(rf) -> None:  # type: ignore[no-untyped-def]
    form = LoginForm(rf.post("/"), data={"identifier": "camille.martin1", "password": ""})
    html = form["password"].as_field_group()
    tag = input_tag(html, "password")
    assert 'class="fr-password__input fr-input fr-input--error"' in tag
    assert 'aria-describedby="id_password_messages"' in tag
    assert 'autocomplete="current-password"' in tag
    assert 'id="id_password_messages" aria-live="polite"' in html
    assert 'for="id_password_show">Afficher</label>' in html


def test_only_the_first_new_password_lists_the_password_rules(parent) -> None:  # type: ignore[no-untyped-def]
    form = ResetPasswordForm(parent)
    rules = password_validation.password_validators_help_texts()
    first, second = form["new_password1"].as_field_group(), form["new_password2"].as_field_group()
    assert rules and all(rule in first for rule in rules)
    assert "Votre mot de passe doit respecter ces règles" not in second
    assert 'autocomplete="new-password"' in input_tag(second, "new_password2")


def test_radios_are_a_fieldset_described_by_its_error() -> None:
    form = ForgotPasswordForm(data={"identifier": "camille.martin1"})
    html = form["channel"].as_field_group()
    assert '<fieldset class="fr-fieldset fr-fieldset--error" id="id_channel"' in html
    assert 'aria-describedby="id_channel_error"' in html
    assert 'id="id_channel_0"' in html and 'id="id_channel_error"' in html
    assert "fr-fieldset__element--inline" not in html


def test_a_checkbox_is_a_dsfr_checkbox_group(parent) -> None:  # type: ignore[no-untyped-def]
    form = SignupPasswordForm(parent, data={})
    html = form["identifier_noted"].as_field_group()
    assert "fr-checkbox-group fr-checkbox-group--error" in html
    assert 'aria-describedby="id_identifier_noted_error"' in input_tag(html, "identifier_noted")
    assert "fr-input" not in html


def test_a_plain_widget_stays_as_django_draws_it_for_the_console(rf) -> None:  # type: ignore[no-untyped-def]
    assert "class=" not in str(LoginForm(rf.get("/"))["identifier"])


@pytest.mark.django_db
def test_the_error_summary_links_a_radio_question_to_its_first_radio(client: Client) -> None:
    response = client.post(reverse("recovery:forgot_password"), {"identifier": ""})
    html = response.content.decode()
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert '<a href="#id_identifier">' in html
    assert '<a href="#id_channel_0">' in html and 'id="id_channel_0"' in html
    assert "<title>Erreur : Mot de passe perdu" in html
