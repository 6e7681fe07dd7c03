"""What the request side's fast paths must keep exactly as before: the policy header django-csp
would write, the login-required default, and pages whose cached fragments never mix languages,
settings or visitors."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from csp.utils import build_policy
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from educonnect.middleware import LoginRequired

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')


def test_the_policy_header_is_the_one_django_csp_builds_with_the_pages_nonce(
    client: Client,
) -> None:
    response = client.get(reverse("accounts:login"))
    nonce = NONCE.search(response.content.decode()).group(1)  # type: ignore[union-attr]
    assert response["Content-Security-Policy"] == build_policy(nonce=nonce)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_each_page_gets_its_own_nonce(client: Client) -> None:
    first = NONCE.search(client.get(reverse("home")).content.decode()).group(1)  # type: ignore[union-attr]
    second = NONCE.search(client.get(reverse("home")).content.decode()).group(1)  # type: ignore[union-attr]
    assert first != second


def test_a_response_without_a_nonce_gets_the_policy_without_one(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response["Content-Security-Policy"] == build_policy()
    assert "nonce-" not in response["Content-Security-Policy"]


def test_a_changed_policy_setting_is_the_next_responses_policy(client: Client, settings) -> None:
    client.get(reverse("healthz"))  # the policy of the settings as they were, built
    policy = settings.CONTENT_SECURITY_POLICY
    directives = {**policy["DIRECTIVES"], "form-action": ["'self'", "https://fc.exemple.fr"]}
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    response = client.get(reverse("healthz"))
    assert "form-action 'self' https://fc.exemple.fr" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"] == build_policy()


# A response that changes its policy (the login page's form-action for a registered service)
# goes through django-csp itself: tests/identity/test_errors.py checks it.


def _explodes() -> object:
    raise AssertionError("the visitor's account was loaded")


def test_a_public_view_does_not_load_the_visitor() -> None:
    @login_not_required
    def public(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(_explodes)  # type: ignore[assignment]
    middleware = LoginRequired(lambda request: HttpResponse())
    assert middleware.process_view(request, public, (), {}) is None


def test_a_private_view_still_sends_an_anonymous_visitor_to_the_login(client: Client) -> None:
    response = client.get(reverse("myaccount:account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("accounts:login"))


def test_cached_fragments_follow_the_language(client: Client) -> None:
    french = client.get(reverse("home")).content.decode()
    english = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    again = client.get(reverse("home")).content.decode()
    assert "Mentions légales" in french
    assert "Mentions légales" not in english
    assert "Legal notice" in english
    assert "Contenu" in again.split("</nav>")[0]
    assert "Mentions légales" in again


def test_cached_fragments_follow_a_changed_setting(client: Client, settings) -> None:
    client.get(reverse("home"))
    settings.PORTAL_NAME = "Portail de Clochemerle"
    html = client.get(reverse("home")).content.decode()
    assert html.count("Portail de Clochemerle") >= 3  # title, brand, footer


def test_cached_fragments_keep_each_visitors_own_header(client: Client, parent) -> None:
    anonymous = client.get(reverse("home")).content.decode()
    client.force_login(parent)
    signed_in = client.get(reverse("home")).content.decode()
    assert "Se connecter" in anonymous and "Se déconnecter" not in anonymous
    assert "Se déconnecter" in signed_in
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', signed_in)
    assert tokens and all(token not in anonymous for token in tokens)
