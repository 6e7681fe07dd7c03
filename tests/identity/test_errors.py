"""What goes wrong, and who is told: the service by a redirect when its redirect URI can be
trusted, otherwise the person by a French page, and nobody learns whether an account exists."""

from __future__ import annotations

import html
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.urls import reverse
from oauth2_provider.models import get_grant_model

from accounts.models import User
from identity.models import Client
from tests.identity.conftest import ENT_REDIRECT, ENT_SECRET, endpoint, issuer, make_flow

pytestmark = pytest.mark.django_db


def authorize_path(**params: str) -> str:
    return reverse("oauth2_provider:authorize") + "?" + urlencode(params)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_an_unknown_client_gets_a_french_page_and_no_redirect(client: BrowserClient) -> None:
    response = client.get(
        authorize_path(
            client_id="inconnu",
            redirect_uri="https://pirate.exemple/vol",
            response_type="code",
            scope="openid",
        )
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = text(response)
    assert "Ce service n'est pas enregistré auprès du portail." in page
    assert 'href="https://pirate.exemple' not in page
    assert "Location" not in response


def test_an_unregistered_redirect_uri_is_never_followed(
    client: BrowserClient, browser: BrowserClient, ent: Client
) -> None:
    for visitor in (client, browser):
        response = visitor.get(
            authorize_path(
                client_id=ent.client_id,
                redirect_uri=ENT_REDIRECT + "/../../autre",
                response_type="code",
                scope="openid",
                state="xyz",
            )
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "adresse de retour demandée par ce service n'est pas enregistrée" in text(response)


def test_an_anonymous_visitor_is_sent_to_the_login_page_for_that_service(
    client: BrowserClient, ent: Client
) -> None:
    path = authorize_path(
        client_id=ent.client_id, redirect_uri=ENT_REDIRECT, response_type="code", scope="openid"
    )
    response = client.get(path)
    assert response.status_code == HTTPStatus.FOUND
    login = urlsplit(response["Location"])
    assert login.path == reverse("accounts:login")
    assert parse_qs(login.query)["next"] == [path]
    assert "pour accéder à ENT du collège" in text(client.get(response["Location"]))


def test_the_login_page_names_no_service_for_an_unknown_client(client: BrowserClient) -> None:
    next_url = authorize_path(client_id="inconnu", redirect_uri="https://x.exemple/")
    page = client.get(reverse("accounts:login") + "?" + urlencode({"next": next_url}))
    assert "pour accéder à" not in text(page)


def test_a_public_client_without_pkce_is_refused_at_the_service(
    browser: BrowserClient, public_app: Client
) -> None:
    response = browser.get(
        authorize_path(
            client_id=public_app.client_id,
            redirect_uri=public_app.redirect_uris,
            response_type="code",
            scope="openid",
            state="s1",
        )
    )
    assert response.status_code == HTTPStatus.FOUND
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["s1"]


def test_the_plain_pkce_method_is_refused(browser: BrowserClient, public_app: Client) -> None:
    params = {
        "client_id": public_app.client_id,
        "redirect_uri": public_app.redirect_uris,
        "response_type": "code",
        "scope": "openid",
        "code_challenge": "a" * 43,
        "code_challenge_method": "plain",
    }
    response = browser.post(reverse("oauth2_provider:authorize"), {**params, "allow": "on"})
    assert response.status_code == HTTPStatus.FOUND
    assert parse_qs(urlsplit(response["Location"]).query)["error"] == ["invalid_request"]
    assert not get_grant_model().objects.exists()


def test_a_wrong_or_missing_pkce_verifier_gets_no_token(
    browser: BrowserClient, ent: Client
) -> None:
    flow = make_flow(ent, browser)
    for verifier, error in ((None, "invalid_request"), ("x" * 50, "invalid_grant")):
        code = flow.code_from(flow.authorize())
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": ENT_REDIRECT}
        if verifier:
            data["code_verifier"] = verifier
        answer = flow.session.post(
            endpoint("/oidc/jeton/"), data=data, auth=(ent.client_id, ENT_SECRET)
        )
        assert answer.status_code == HTTPStatus.BAD_REQUEST
        assert answer.json()["error"] == error


def test_a_code_works_once(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    response = flow.authorize()
    flow.fetch_token(response)
    data = {
        "grant_type": "authorization_code",
        "code": flow.code_from(response),
        "redirect_uri": ENT_REDIRECT,
        "code_verifier": flow.verifier,
    }
    again = flow.session.post(endpoint("/oidc/jeton/"), data=data, auth=(ent.client_id, ENT_SECRET))
    assert again.status_code == HTTPStatus.BAD_REQUEST
    assert again.json()["error"] == "invalid_grant"


def test_an_expired_code_gets_no_token(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    response = flow.authorize()
    grant = get_grant_model().objects.get()
    with time_machine.travel(grant.expires.timestamp() + 1):
        data = {
            "grant_type": "authorization_code",
            "code": flow.code_from(response),
            "redirect_uri": ENT_REDIRECT,
            "code_verifier": flow.verifier,
        }
        answer = flow.session.post(
            endpoint("/oidc/jeton/"), data=data, auth=(ent.client_id, ENT_SECRET)
        )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["error"] == "invalid_grant"


def test_a_deactivated_account_gets_no_token_refresh_or_userinfo(
    browser: BrowserClient, ent: Client, parent_user: User
) -> None:
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    pending = flow.authorize()
    User.objects.filter(pk=parent_user.pk).update(is_active=False)
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED
    refresh = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(ent.client_id, ENT_SECRET),
    )
    assert refresh.status_code == HTTPStatus.BAD_REQUEST
    exchange = flow.session.post(
        endpoint("/oidc/jeton/"),
        data={
            "grant_type": "authorization_code",
            "code": flow.code_from(pending),
            "redirect_uri": ENT_REDIRECT,
            "code_verifier": flow.verifier,
        },
        auth=(ent.client_id, ENT_SECRET),
    )
    assert exchange.status_code == HTTPStatus.BAD_REQUEST
    assert exchange.json()["error"] == "invalid_grant"


def test_the_token_endpoint_is_rate_limited(settings, ent: Client) -> None:  # type: ignore[no-untyped-def]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "oidc_token": "3/m/key,100/h/ip"}
    client = BrowserClient()
    statuses = [
        client.post(
            reverse("oauth2_provider:token"),
            {"grant_type": "authorization_code", "code": "x", "client_id": ent.client_id},
        ).status_code
        for _ in range(4)
    ]
    assert HTTPStatus.TOO_MANY_REQUESTS not in statuses[:3]
    assert statuses[3] == HTTPStatus.TOO_MANY_REQUESTS


def test_the_authorization_endpoint_is_rate_limited(settings, client: BrowserClient) -> None:  # type: ignore[no-untyped-def]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "oidc_authorize": "2/m/ip"}
    statuses = [client.get(authorize_path(client_id="x")).status_code for _ in range(3)]
    assert statuses == [
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.TOO_MANY_REQUESTS,
    ]


def test_the_login_and_consent_forms_may_end_at_the_registered_service_only(
    client: BrowserClient, browser: BrowserClient, ent: Client
) -> None:
    """Browsers apply CSP form-action to the redirects after a form: the registered redirect
    URI's origin is allowed on these two pages (found by the browser test), nothing else."""
    good = authorize_path(
        client_id=ent.client_id, redirect_uri=ENT_REDIRECT, response_type="code", scope="openid"
    )
    bad = authorize_path(client_id=ent.client_id, redirect_uri="https://pirate.exemple/")
    login = reverse("accounts:login")
    policy = client.get(login + "?" + urlencode({"next": good}))["Content-Security-Policy"]
    assert form_action(policy) == ["'self'", "https://ent.exemple.fr"]
    policy = client.get(login + "?" + urlencode({"next": bad}))["Content-Security-Policy"]
    assert "pirate" not in policy and form_action(policy) == ["'self'"]
    consent = browser.get(make_flow(ent, browser).authorization_url()[len(issuer()) :])
    assert form_action(consent["Content-Security-Policy"]) == ["'self'", "https://ent.exemple.fr"]


def form_action(policy: str) -> list[str]:
    """The sources of the policy's form-action directive (directives come in any order)."""
    directives = {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }
    return directives["form-action"]
