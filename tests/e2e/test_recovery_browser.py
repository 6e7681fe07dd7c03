"""A parent and a student recover their password in a phone-sized headless Chromium, reading
the code from the SMS outbox and the link from the mail outbox."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from accounts.demo import seed_demo
from notifications.backends.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Gomme-Orange-2027"


def _choose_new_password(page, live_server) -> None:
    page.wait_for_url(f"{live_server.url}/mot-de-passe-perdu/nouveau/")
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    page.wait_for_url(f"{live_server.url}/mot-de-passe-perdu/termine/")
    page.get_by_role("main").get_by_role("link", name="Se connecter").click()


def _log_in(page, live_server, identifier: str) -> None:
    page.get_by_label("Identifiant").fill(identifier)
    page.locator("input[name=password]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url(f"{live_server.url}/mon-compte/")


def test_a_parent_resets_the_password_with_the_sms_code(live_server, page) -> None:
    seed_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Mot de passe perdu").click()
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("label", has_text="Par SMS").click()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(f"{live_server.url}/mot-de-passe-perdu/verification/")
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)
    field = page.get_by_label("Code reçu par SMS")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    field.fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Valider le code").click()
    _choose_new_password(page, live_server)
    _log_in(page, live_server, "patrick.dupont1")
    assert "modifié" in LocmemSmsBackend.outbox[-1].body
    assert page.console_errors == []


def test_a_student_resets_the_password_with_the_email_link(live_server, page, settings) -> None:
    settings.SITE_URL = live_server.url
    seed_demo()
    page.goto(f"{live_server.url}/mot-de-passe-perdu/")
    page.get_by_label("Identifiant").fill("hugo.dupont1")
    page.locator("label", has_text="Par e-mail").click()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(f"{live_server.url}/mot-de-passe-perdu/verification/")
    assert "Vérifiez votre messagerie" in page.locator("main").inner_text()
    link = re.search(r"http\S+/lien/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    assert "/lien/" not in page.url  # the token left the address bar
    _choose_new_password(page, live_server)
    _log_in(page, live_server, "hugo.dupont1")
    assert page.console_errors == []
