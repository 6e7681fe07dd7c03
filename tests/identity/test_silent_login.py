"""``prompt=none``: a service asks silently whether the person is still logged in (OpenID
Connect Core §3.1.2.1, §3.1.2.6). The portal never shows a page then: it answers at once with a
code, or with ``login_required`` / ``consent_required`` at the registered redirect URI, with the
service's ``state``."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from django.test import Client as BrowserClient

from accounts.models import User
from identity.models import Client
from tests.identity.conftest import ENT_REDIRECT, issuer, make_flow


def answer(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == HTTPStatus.FOUND
    location = response["Location"]
    assert location.startswith(ENT_REDIRECT + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def silent(flow, browser: BrowserClient, prompt: str = "none"):  # type: ignore[no-untyped-def]
    url = flow.authorization_url(prompt=prompt)
    return browser.get(url[len(issuer()) :])


def test_nobody_logged_in_is_login_required_at_the_service(ent: Client, db: None) -> None:
    anonymous = BrowserClient()
    flow = make_flow(ent, anonymous)
    query = answer(silent(flow, anonymous))
    assert query["error"] == "login_required"
    assert query["state"] == flow.state
    assert "code" not in query


def test_logged_in_without_consent_is_consent_required(ent: Client, browser: BrowserClient) -> None:
    flow = make_flow(ent, browser)
    query = answer(silent(flow, browser))
    assert query["error"] == "consent_required"
    assert query["state"] == flow.state


def test_logged_in_with_consent_gets_a_code_and_tokens_at_once(
    ent: Client, browser: BrowserClient
) -> None:
    first = make_flow(ent, browser)
    assert "code=" in first.authorize()["Location"]  # consent given once
    flow = make_flow(ent, browser)
    response = silent(flow, browser)
    query = answer(response)
    assert query["state"] == flow.state and "error" not in query
    claims = flow.verified_id_token(flow.fetch_token(response))
    assert claims["nonce"] == flow.nonce


def test_none_with_another_prompt_value_is_an_invalid_request(
    ent: Client, browser: BrowserClient
) -> None:
    flow = make_flow(ent, browser)
    query = answer(silent(flow, browser, prompt="none login"))
    assert query["error"] == "invalid_request"


def test_a_deactivated_account_is_login_required(
    ent: Client, browser: BrowserClient, parent_user: User
) -> None:
    make_flow(ent, browser).authorize()  # consent given, session open
    parent_user.is_active = False
    parent_user.save(update_fields=["is_active"])
    flow = make_flow(ent, browser)
    assert answer(silent(flow, browser))["error"] == "login_required"
