"""A parent opens the demo service, logs in through the portal, consents, and is back in the
service with the children shown; logging out of the service logs out of the portal too."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

import demo_service.app as demo
from accounts.demo import PARENT_PASSWORD, seed_demo
from identity.demo import demo_service_register
from notifications.backends.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Gomme-Orange-2027!"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None


@pytest.fixture
def demo_service(live_server, settings, monkeypatch) -> Iterator[str]:  # type: ignore[no-untyped-def]
    settings.OIDC_ISSUER = live_server.url
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    server = make_server("127.0.0.1", 0, demo.application, _Server, _QuietHandler)
    base = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setattr(demo, "PORTAL", live_server.url)
    monkeypatch.setattr(demo, "BASE", base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seed_demo()
    demo_service_register(base)
    yield base
    server.shutdown()
    server.server_close()


def test_a_parent_logs_into_the_demo_service_through_the_portal(demo_service, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{demo_service}/")
    page.get_by_role("link", name="Se connecter avec le portail").click()
    assert "pour accéder à Service de démonstration" in page.locator("main").inner_text()
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("input[name=password]").fill(PARENT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    consent = page.locator("main").inner_text()
    assert "Service de démonstration souhaite vous connecter" in consent
    assert "Léa (5A, 0750654D)" in consent
    page.get_by_role("button", name="Accepter et continuer").click()
    page.wait_for_url(f"{demo_service}/")
    assert page.locator("#who").inner_text() == (
        "Connecté en tant que Patrick Dupont (parent), enfants : "
        "Hugo (2nde 3, 0910000F), Léa (5A, 0750654D)"
    )
    page.get_by_role("link", name="Se déconnecter").click()
    page.wait_for_url(f"{demo_service}/")
    assert "Vous n'êtes pas connecté." in page.content()


def test_a_parent_who_already_consented_lands_back_in_the_service_after_login(  # type: ignore[no-untyped-def]
    demo_service, page
) -> None:
    for _ in range(2):
        page.goto(f"{demo_service}/")
        page.get_by_role("link", name="Se connecter avec le portail").click()
        page.get_by_label("Identifiant").fill("patrick.dupont1")
        page.locator("input[name=password]").fill(PARENT_PASSWORD)
        page.get_by_role("button", name="Se connecter", exact=True).click()
        if page.get_by_role("button", name="Accepter et continuer").count():
            page.get_by_role("button", name="Accepter et continuer").click()
        page.wait_for_url(f"{demo_service}/")
        assert "Connecté en tant que Patrick Dupont" in page.locator("#who").inner_text()
        page.get_by_role("link", name="Se déconnecter").click()
        page.wait_for_url(f"{demo_service}/")


def test_a_parent_who_lost_the_password_resets_it_by_sms_and_lands_back_in_the_service(  # type: ignore[no-untyped-def]
    demo_service, page
) -> None:
    page.goto(f"{demo_service}/")
    page.get_by_role("link", name="Se connecter avec le portail").click()
    assert "pour accéder à Service de démonstration" in page.locator("main").inner_text()
    page.get_by_role("link", name="Mot de passe perdu").click()
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("label", has_text="Par SMS").click()
    page.get_by_role("button", name="Continuer").click()
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)  # type: ignore[union-attr]
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.get_by_role("main").get_by_role("link", name="Se connecter").click()
    assert "pour accéder à Service de démonstration" in page.locator("main").inner_text()
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.get_by_role("button", name="Accepter et continuer").click()
    page.wait_for_url(f"{demo_service}/")
    assert page.locator("#who").inner_text() == (
        "Connecté en tant que Patrick Dupont (parent), enfants : "
        "Hugo (2nde 3, 0910000F), Léa (5A, 0750654D)"
    )
