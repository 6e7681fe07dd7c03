"""OAuth and OpenID Connect threats (RFC 6819, OAuth 2.0 Security BCP RFC 9700) against the
identity provider: open redirect, code injection, PKCE downgrade, mix-up, replay after
revocation, and framing of the consent page."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from identity.models import Client
from tests.identity.conftest import ENT_REDIRECT, endpoint, issuer, make_client, make_flow

pytestmark = pytest.mark.django_db

OTHER_SECRET = "secret-d-un-autre-service-0123456789"


def authorize(browser: BrowserClient, **params: str):  # type: ignore[no-untyped-def]
    return browser.get(reverse("oauth2_provider:authorize") + "?" + urlencode(params))


def token_request(flow, **data: str):  # type: ignore[no-untyped-def]
    """A raw token request by the flow's service (HTTP Basic when it has a secret)."""
    secret = flow.session.client_secret
    auth = (flow.client.client_id, secret) if secret else None
    return flow.session.post(endpoint("/oidc/jeton/"), data=data, auth=auth, withhold_token=True)


def exchange(flow, code: str, **data: str):  # type: ignore[no-untyped-def]
    return token_request(flow, grant_type="authorization_code", code=code, **data)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://pirate.exemple/retour",
        ENT_REDIRECT + "/../../../pirate",
        ENT_REDIRECT + "?next=https://pirate.exemple",
        ENT_REDIRECT.replace("https://", "https://pirate.exemple@"),
        ENT_REDIRECT.replace("https://", "http://"),
        ENT_REDIRECT.replace("ent.exemple.fr", "ent.exemple.fr.pirate.exemple"),
        ENT_REDIRECT + "x",
        ENT_REDIRECT.upper(),
        "javascript:alert(1)",
    ],
)
def test_a_redirect_uri_not_registered_exactly_is_never_followed(
    browser: BrowserClient, ent: Client, redirect_uri: str
) -> None:
    response = authorize(
        browser,
        client_id=ent.client_id,
        redirect_uri=redirect_uri,
        response_type="code",
        scope="openid",
        state="s",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in response


def test_a_consent_post_with_a_forged_redirect_uri_is_refused(
    browser: BrowserClient, ent: Client
) -> None:
    response = browser.post(
        reverse("oauth2_provider:authorize"),
        {
            "client_id": ent.client_id,
            "redirect_uri": "https://pirate.exemple/retour",
            "response_type": "code",
            "scope": "openid",
            "allow": "on",
        },
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Location" not in response


def test_a_code_stolen_from_one_service_is_useless_to_another(
    browser: BrowserClient, ent: Client
) -> None:
    thief = make_client(
        name="Service malveillant",
        redirect_uris="https://pirate.exemple/retour",
        client_secret=OTHER_SECRET,
        sector_identifier="pirate.exemple",
    )
    victim = make_flow(ent, browser)
    code = victim.code_from(victim.authorize())
    attacker = make_flow(thief, browser, secret=OTHER_SECRET)
    answer = exchange(attacker, code, redirect_uri=ENT_REDIRECT, code_verifier=victim.verifier)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["error"] == "invalid_grant"
    # The victim's code still works for the victim, once.
    assert exchange(victim, code, redirect_uri=ENT_REDIRECT, code_verifier=victim.verifier).ok


def test_an_injected_code_fails_without_the_verifier_of_the_session_that_asked(
    browser: BrowserClient, public_app: Client
) -> None:
    """Code injection (RFC 9700 §4.5): a code obtained by the attacker, replayed into the
    victim's session, fails because the victim's PKCE verifier does not match it."""
    attacker = make_flow(public_app, browser, secret="", scope="openid")
    code = attacker.code_from(attacker.authorize())
    victim = make_flow(public_app, browser, secret="", scope="openid")
    victim.authorization_url()
    answer = exchange(
        victim,
        code,
        redirect_uri=public_app.redirect_uris,
        client_id=public_app.client_id,
        code_verifier=victim.verifier,
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["error"] == "invalid_grant"


def test_a_code_bound_to_one_redirect_uri_cannot_be_redeemed_with_another(
    browser: BrowserClient, ent: Client
) -> None:
    ent.redirect_uris = f"{ENT_REDIRECT} https://ent.exemple.fr/autre-retour"
    ent.save(update_fields=["redirect_uris"])
    flow = make_flow(ent, browser)
    code = flow.code_from(flow.authorize())
    answer = exchange(
        flow, code, redirect_uri="https://ent.exemple.fr/autre-retour", code_verifier=flow.verifier
    )
    assert answer.status_code == HTTPStatus.BAD_REQUEST


def test_pkce_cannot_be_downgraded_by_dropping_the_challenge(
    browser: BrowserClient, ent: Client
) -> None:
    """RFC 9700 §4.8.2: a verifier for a code issued without a challenge is refused."""
    flow = make_flow(ent, browser)
    flow.session.code_challenge_method = None
    response = flow.authorize()
    assert response.status_code == HTTPStatus.FOUND
    code = flow.code_from(response)
    answer = exchange(flow, code, redirect_uri=ENT_REDIRECT, code_verifier="v" * 50)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["error"] == "invalid_grant"


def test_pkce_cannot_be_downgraded_by_dropping_the_verifier(
    browser: BrowserClient, ent: Client
) -> None:
    flow = make_flow(ent, browser)
    answer = exchange(flow, flow.code_from(flow.authorize()), redirect_uri=ENT_REDIRECT)
    assert answer.status_code == HTTPStatus.BAD_REQUEST
    assert answer.json()["error"] == "invalid_request"


def test_a_public_client_cannot_skip_pkce_at_the_token_endpoint(
    browser: BrowserClient, public_app: Client
) -> None:
    response = authorize(
        browser,
        client_id=public_app.client_id,
        redirect_uri=public_app.redirect_uris,
        response_type="code",
        scope="openid",
    )
    assert parse_qs(urlsplit(response["Location"]).query)["error"] == ["invalid_request"]


def test_mix_up_is_detectable_by_the_issuer_in_the_response_and_the_token(
    browser: BrowserClient, ent: Client
) -> None:
    """RFC 9207 / RFC 9700 §4.4: the authorization response names the issuer, and so does
    the ID token, so a service talking to several providers can tell them apart."""
    flow = make_flow(ent, browser)
    response = flow.authorize()
    assert parse_qs(urlsplit(response["Location"]).query)["iss"] == [issuer()]
    assert flow.verified_id_token(flow.fetch_token(response))["iss"] == issuer()


def test_tokens_are_useless_after_revocation(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    flow.session.revoke_token(
        endpoint("/oidc/revocation/"), token["refresh_token"], token_type_hint="refresh_token"
    )
    replay = token_request(flow, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert replay.status_code == HTTPStatus.BAD_REQUEST
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED


def test_a_replayed_rotated_refresh_token_kills_the_whole_family(
    browser: BrowserClient, ent: Client
) -> None:
    """A stolen refresh token used after the legitimate rotation revokes every descendant."""
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    renewed = flow.session.refresh_token(endpoint("/oidc/jeton/"), token["refresh_token"])
    stolen = token_request(flow, grant_type="refresh_token", refresh_token=token["refresh_token"])
    assert stolen.status_code == HTTPStatus.BAD_REQUEST
    legit = token_request(flow, grant_type="refresh_token", refresh_token=renewed["refresh_token"])
    assert legit.status_code == HTTPStatus.BAD_REQUEST


def test_one_service_cannot_revoke_another_services_tokens(
    browser: BrowserClient, ent: Client
) -> None:
    flow = make_flow(ent, browser)
    token = flow.fetch_token(flow.authorize())
    other = make_client(name="Autre", client_secret=OTHER_SECRET, sector_identifier="autre.fr")
    BrowserClient().post(
        reverse("oauth2_provider:revoke-token"),
        {
            "token": token["access_token"],
            "client_id": other.client_id,
            "client_secret": OTHER_SECRET,
        },
    )
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.OK


def test_the_consent_page_cannot_be_framed(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    page = browser.get(flow.authorization_url()[len(issuer()) :])
    assert page.status_code == HTTPStatus.OK and b'name="allow"' in page.content
    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_consent_cannot_be_given_without_the_csrf_token(ent: Client, parent_user) -> None:  # type: ignore[no-untyped-def]
    strict = BrowserClient(enforce_csrf_checks=True)
    strict.force_login(parent_user)
    response = strict.post(
        reverse("oauth2_provider:authorize"),
        {
            "client_id": ent.client_id,
            "redirect_uri": ENT_REDIRECT,
            "response_type": "code",
            "scope": "openid",
            "allow": "on",
        },
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
