"""What the request side's fast paths must keep exactly as before: the policy header django-csp
would write, the login-required default, Django's language choice and messages, and pages whose
cached fragments never mix languages, settings or visitors."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from csp.utils import build_policy
from django.conf import settings as django_settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import Client, RequestFactory
from django.urls import path, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty

from accounts.middleware import AccountMiddleware
from educonnect.middleware import Locale, LoginRequired, Messages

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


def test_a_request_without_a_session_does_not_load_the_visitor() -> None:
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(_explodes)  # type: ignore[assignment]
    assert AccountMiddleware(lambda request: HttpResponse("ok"))(request).content == b"ok"


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


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = i18n_patterns(path("prefixed/", _ok))  # this module, as a prefixed URLconf


def _answer(middleware_class: type, request: HttpRequest) -> tuple[str, str, dict[str, str]]:
    def view(request: HttpRequest) -> HttpResponse:
        return _ok(request)

    middleware = middleware_class(view)
    with translation.override(None):
        response = middleware(request)
        language = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else ""
        names = ("Vary", "Content-Language", "Location")
        headers = {name: response.get(name, "") for name in names}
        return language, translation.get_language() or "", headers


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"},
        {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"},
        {"HTTP_ACCEPT_LANGUAGE": "x" * 10_000},
        {"HTTP_COOKIE": f"{django_settings.LANGUAGE_COOKIE_NAME}=en"},
        {"HTTP_COOKIE": f"{django_settings.LANGUAGE_COOKIE_NAME}=zz", "HTTP_ACCEPT_LANGUAGE": "en"},
    ],
)
@pytest.mark.parametrize("where", ["/", "/en/mot-de-passe-perdu/", "/prefixed/", "/fr/prefixed/"])
@pytest.mark.parametrize("urlconf", [None, __name__])
def test_the_language_is_djangos_choice(headers: dict[str, str], where: str, urlconf) -> None:
    requests = [RequestFactory().get(where, **headers) for _ in range(2)]
    if urlconf:
        for request in requests:
            request.urlconf = urlconf
    assert _answer(Locale, requests[0]) == _answer(LocaleMiddleware, requests[1])


def test_an_unprefixed_address_is_sent_to_its_language_as_django_does() -> None:
    request = RequestFactory().get("/prefixed/", HTTP_ACCEPT_LANGUAGE="en")
    request.urlconf = __name__

    def missing(request: HttpRequest) -> HttpResponse:
        return HttpResponse(status=HTTPStatus.NOT_FOUND)

    response = Locale(missing)(request)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/en/prefixed/"


def _with_session(request: HttpRequest) -> HttpRequest:
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    return request


def test_a_response_that_uses_no_message_opens_no_storage() -> None:
    request = _with_session(RequestFactory().get("/"))
    response = Messages(_ok)(request)
    assert request._messages._wrapped is empty  # type: ignore[attr-defined]
    assert "messages" not in response.cookies


def test_a_message_added_before_a_redirect_is_shown_on_the_next_page_once() -> None:
    def adds(request: HttpRequest) -> HttpResponse:
        messages.success(request, "Votre numéro est enregistré.")
        return HttpResponse(status=HTTPStatus.FOUND)

    shown: list[list[str]] = []

    def reads(request: HttpRequest) -> HttpResponse:
        shown.append([str(message) for message in messages.get_messages(request)])
        return HttpResponse("ok")

    first = Messages(adds)(_with_session(RequestFactory().get("/")))
    cookie = first.cookies["messages"].value
    assert cookie
    second_request = _with_session(RequestFactory().get("/", HTTP_COOKIE=f"messages={cookie}"))
    second = Messages(reads)(second_request)
    assert shown == [["Votre numéro est enregistré."]]
    assert second.cookies["messages"].value == ""  # read: the cookie is deleted
