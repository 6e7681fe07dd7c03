"""Public information pages, error pages, language and security headers."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["home", "assistance", "legal_notice", "accessibility"])
def test_public_pages_need_no_login(client: Client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.OK
    assert 'lang="fr"' in response.content.decode()


def test_the_home_page_links_to_both_lost_identifier_and_lost_password(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    section = html.split("Identifiant ou mot de passe perdu ?")[1].split("<h2")[0]
    assert f'href="{reverse("recovery:forgot_identifier")}"' in section
    assert f'href="{reverse("recovery:forgot_password")}"' in section


def test_an_unknown_page_gets_a_french_404(client: Client) -> None:
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page non trouvée" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "language", "text"),
    [
        ("recovery:signup_resend", "fr", "Action impossible depuis cette adresse"),
        ("recovery:forgot_password_resend", "en", "This address cannot be opened directly"),
    ],
)
def test_opening_a_button_address_gets_a_405_page_in_the_visitor_language(
    client: Client, name: str, language: str, text: str
) -> None:
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "POST"
    assert text in response.content.decode()


def test_the_500_page_renders_without_any_context() -> None:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("fr"):  # an earlier request may have left English active
        html = render_to_string("500.html")
    assert "Erreur" in html


def test_english_is_available(client: Client) -> None:
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    assert "Password" in html


def test_the_language_switch_sets_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/connexion/"})
    assert response.status_code == HTTPStatus.FOUND
    assert 'lang="en"' in client.get(reverse("accounts:login")).content.decode()


def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_served_locally_never_from_a_cdn(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert "https://" not in html.split("<body")[0]


def test_english_dates_have_the_month_in_words_and_a_24_hour_clock() -> None:
    import datetime as dt

    from django.utils import formats, translation

    moment = dt.datetime(2026, 12, 1, 22, 10)  # noqa: DTZ001 - a naive moment to format
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "1 Dec 2026, 22:10"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "1 December 2026, 22:10"
