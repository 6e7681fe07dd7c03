"""Passkeys end to end in Debian's Chromium with its virtual authenticator (the DevTools
protocol's WebAuthn domain through Playwright's CDP session): a parent logs in with the
password, adds a passkey in Mon compte, logs out, logs in with the passkey only, removes it,
and the removed credential is refused.

WebAuthn needs an RP id that is a domain: the live server is on ``localhost`` (pytest-django's
default host), and SITE_URL is set to it so the origin and RP id checked are the browser's."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from accounts.demo import PARENT_PASSWORD, seed_demo
from accounts.models import AuditEvent, User
from passkeys.models import PasskeyCredential

pytestmark = pytest.mark.django_db(transaction=True)
# Conditional UI only while the test says so: with it, the virtual authenticator answers the
# login page's autofill request at once, on every visit (the logout lands on that page too).
CONDITIONAL_UI_SWITCH = """
const available = PublicKeyCredential.isConditionalMediationAvailable.bind(PublicKeyCredential);
PublicKeyCredential.isConditionalMediationAvailable = () =>
    localStorage.getItem("conditional-ui") === "on" ? available() : Promise.resolve(false);
"""


@pytest.fixture
def base_url(live_server, settings) -> str:  # type: ignore[no-untyped-def]
    assert urlsplit(live_server.url).hostname == "localhost", live_server.url
    settings.SITE_URL = live_server.url
    settings.WEBAUTHN_RP_ID = ""
    seed_demo()
    return str(live_server.url)


def virtual_authenticator(page) -> tuple[object, str]:  # type: ignore[no-untyped-def]
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def log_in_with_password(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/connexion/")
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("input[name=password]").fill(PARENT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url(f"{base_url}/mon-compte/")


def log_out(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    # The header's button sits in the phone menu at 375 px: submit its form as it would.
    with page.expect_navigation():
        page.locator("form[action='/deconnexion/']").first.evaluate("form => form.submit()")
    assert page.request.get(f"{base_url}/mon-compte/", max_redirects=0).status == 302


def test_a_parent_adds_a_passkey_logs_in_with_it_and_removes_it(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.context.add_init_script(CONDITIONAL_UI_SWITCH)
    cdp, authenticator_id = virtual_authenticator(page)
    log_in_with_password(page, base_url)
    page.get_by_role("link", name="Clés d'accès").click()
    page.wait_for_url(f"{base_url}/mon-compte/cles-d-acces/")
    page.get_by_label("Nom de l'appareil").fill("Téléphone de Patrick")
    page.get_by_role("button", name="Ajouter une clé d'accès").click()
    page.get_by_text("Votre clé d'accès « Téléphone de Patrick » est ajoutée.").wait_for()
    parent = User.objects.get(identifier="patrick.dupont1")
    passkey = PasskeyCredential.objects.get(user=parent)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert [c["isResidentCredential"] for c in credentials["credentials"]] == [True]

    # Where the browser offers passkeys in the identifier's autofill (conditional UI), the
    # virtual authenticator picks the one passkey at once: logged in without a click.
    log_out(page, base_url)
    page.evaluate("localStorage.setItem('conditional-ui', 'on')")
    page.goto(f"{base_url}/connexion/")
    page.wait_for_url(f"{base_url}/mon-compte/")
    page.evaluate("localStorage.removeItem('conditional-ui')")

    # A browser without conditional UI: the button.
    log_out(page, base_url)
    page.goto(f"{base_url}/connexion/")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    page.wait_for_url(f"{base_url}/mon-compte/")
    logins = AuditEvent.objects.filter(subject=parent, event_type="login_succeeded")
    assert [e.details["method"] for e in logins.order_by("pk")] == [
        "password",
        "passkey",
        "passkey",
    ]
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None and passkey.sign_count >= 1

    page.goto(f"{base_url}/mon-compte/cles-d-acces/")
    page.get_by_role("link", name="Supprimer la clé « Téléphone de Patrick »").click()
    page.get_by_role("button", name="Supprimer cette clé d'accès").click()
    page.get_by_text("La clé d'accès « Téléphone de Patrick » est supprimée.").wait_for()
    assert not PasskeyCredential.objects.filter(user=parent).exists()

    # The authenticator still holds the credential; the portal no longer knows it.
    log_out(page, base_url)
    page.goto(f"{base_url}/connexion/")
    page.get_by_role("button", name="Se connecter avec une clé d'accès").click()
    alert = page.locator("[data-passkey-error]")
    alert.get_by_text("Cette clé d'accès n'est pas reconnue").wait_for()
    assert page.url == f"{base_url}/connexion/"
    response = page.request.get(f"{base_url}/mon-compte/", max_redirects=0)
    assert response.status == 302
    assert [e for e in page.console_errors if "400" not in e] == []
