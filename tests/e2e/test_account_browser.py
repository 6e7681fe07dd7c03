"""Mon compte in headless Chromium: the forced first change and e-mail verification."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.demo import PARENT_PASSWORD, TEMPORARY_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, identifier: str, password: str) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(identifier)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Se connecter", exact=True).click()


def test_a_student_with_a_temporary_password_must_choose_one_first(live_server, page) -> None:
    seed_demo()
    log_in(page, live_server, "jade.moreau1", TEMPORARY_PASSWORD)
    page.wait_for_url(f"{live_server.url}/mon-compte/mot-de-passe/")
    assert "provisoire" in page.locator("main").inner_text()
    page.goto(f"{live_server.url}/mon-compte/journal/")
    assert page.url.endswith("/mon-compte/mot-de-passe/")
    page.locator("input[name=current_password]").fill(TEMPORARY_PASSWORD)
    page.locator("input[name=new_password1]").fill("Cahier-Orange-2031")
    page.locator("input[name=new_password2]").fill("Cahier-Orange-2031")
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.wait_for_url(f"{live_server.url}/mon-compte/")
    assert "Lycée Victor Hugo" in page.locator("main").inner_text()
    assert page.console_errors == []


def test_a_parent_adds_and_verifies_an_email(live_server, page) -> None:
    seed_demo()
    log_in(page, live_server, "patrick.dupont1", PARENT_PASSWORD)
    page.wait_for_url(f"{live_server.url}/mon-compte/")
    page.get_by_role("link", name="Ajouter une adresse e-mail").click()
    page.get_by_label("Adresse e-mail").fill("patrick.dupont@exemple.fr")
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    assert "Vérifiez votre messagerie" in page.locator("main").inner_text()
    link = re.search(r"https?://\S+/mon-compte/e-mail/verifier/\S+/", mail.outbox[-1].body)
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    page.goto(f"{live_server.url}{path}")
    assert "/verifier/" in page.url and path not in page.url
    page.get_by_role("button", name="Confirmer cette adresse").click()
    page.wait_for_url(f"{live_server.url}/mon-compte/")
    main = page.locator("main").inner_text()
    assert "patrick.dupont@exemple.fr" in main and "vérifiée" in main
