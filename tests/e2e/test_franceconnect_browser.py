"""A demo parent with no account presses "S'identifier avec FranceConnect" in headless Chromium,
is Sophie Dupont at the fake FranceConnect (a live HTTP server), types the code read from the
SMS outbox and her children's birth dates, and is logged in; logs out (at FranceConnect too);
FranceConnect again logs her in at once."""

from __future__ import annotations

import re

import pytest

from accounts.demo import seed_demo
from accounts.models import User
from franceconnect.models import FranceConnectLink
from notifications.backends.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db(transaction=True)


def test_sophie_activates_with_franceconnect_then_logs_in_at_once(
    live_server, franceconnect, page
) -> None:
    seed_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="S’identifier avec FranceConnect").click()
    page.wait_for_url(re.compile(re.escape(franceconnect.url)))
    page.get_by_role("button", name="Se connecter en tant que Sophie Anne DUPONT").click()

    page.wait_for_url(f"{live_server.url}/inscription/code/")
    assert "06 •• •• •• 32" in page.locator("main").inner_text()
    assert LocmemSmsBackend.outbox[-1].to == "+33698765432"
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()

    page.wait_for_url(f"{live_server.url}/inscription/enfants/")
    for label, name, born in (
        ("Date de naissance de Léa Dupont", "Léa Dupont", "14/03/2012"),
        ("Date de naissance d'Hugo Dupont", "Hugo Dupont", "02/09/2009"),
    ):
        card = page.locator("section", has_text=name)
        card.locator("label", has_text=re.compile(r"^oui$")).click()
        page.get_by_label(label).fill(born)
    page.get_by_role("button", name="Continuer").click()

    page.wait_for_url(f"{live_server.url}/franceconnect/inscription/")
    assert page.locator("#identifier").inner_text() == "sophie.dupont1"
    page.get_by_role("button", name="Créer mon compte").click()

    page.wait_for_url(f"{live_server.url}/mon-compte/")
    main = page.locator("main").text_content()  # the DSFR badge is drawn in capitals
    assert "sophie.dupont1" in main and "Connecté avec FranceConnect" in main
    assert "Léa Dupont" in main and "Hugo Dupont" in main
    sophie = User.objects.get(identifier="sophie.dupont1")
    assert FranceConnectLink.objects.filter(user=sophie).exists()

    page.get_by_role("button", name="Menu").click()  # a phone: the header's menu holds it
    page.locator("#menu-mobile").get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/connexion/")
    assert "Vous êtes déconnecté du portail et de FranceConnect." in page.content()

    page.get_by_role("link", name="S’identifier avec FranceConnect").click()
    page.wait_for_url(re.compile(re.escape(franceconnect.url)))
    page.get_by_role("button", name="Se connecter en tant que Sophie Anne DUPONT").click()
    page.wait_for_url(f"{live_server.url}/mon-compte/")
    assert "sophie.dupont1" in page.locator("main").inner_text()
    assert User.objects.filter(identifier__startswith="sophie.dupont").count() == 1
    assert page.console_errors == []
