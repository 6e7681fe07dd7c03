"""A demo parent without an account registers from a phone-sized headless Chromium, reading the
code from the SMS outbox, and lands on Mon compte with her child listed."""

from __future__ import annotations

import re

import pytest

from accounts.demo import seed_demo
from accounts.models import User
from notifications.backends.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Gomme-Orange-2027"


def test_nadia_benali_registers_and_sees_yanis_in_mon_compte(live_server, page) -> None:
    seed_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Je n'ai pas encore d'identifiant").click()
    page.wait_for_url(f"{live_server.url}/inscription/")
    page.get_by_label("Nom", exact=True).fill("BENALI")
    page.get_by_label("Prénom").fill("nadia")
    page.get_by_label("Numéro de mobile").fill("0692 12 34 56")
    page.get_by_role("button", name="Recevoir un code par SMS").click()

    page.wait_for_url(f"{live_server.url}/inscription/code/")
    assert "+262 692 12 34 56" in page.locator("main").inner_text()
    assert LocmemSmsBackend.outbox[-1].to == "+262692123456"
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)
    field = page.get_by_label("Code reçu par SMS")
    assert field.get_attribute("inputmode") == "numeric"
    field.fill(code)
    page.get_by_role("button", name="Valider le code").click()

    page.wait_for_url(f"{live_server.url}/inscription/enfants/")
    main = page.locator("main").inner_text()
    assert "Yanis Benali" in main and "Collège Jean Moulin" in main and "4B" in main
    page.locator("label", has_text=re.compile(r"^oui$")).click()
    assert page.get_by_label("oui", exact=True).is_checked()
    date = page.get_by_label("Date de naissance de Yanis Benali")
    assert date.get_attribute("inputmode") == "numeric"
    date.fill("23/11/2012")  # a first slip of the finger
    page.get_by_role("button", name="Continuer").click()
    assert "Essais restants : 2" in page.locator("main").inner_text()
    page.get_by_label("Date de naissance de Yanis Benali").fill("23 11 2011")
    page.get_by_role("button", name="Continuer").click()

    page.wait_for_url(f"{live_server.url}/inscription/mot-de-passe/")
    assert page.locator("#identifier").inner_text() == "nadia.benali1"
    page.locator("label", has_text="Je prends note de mon identifiant").click()
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Terminer").click()

    page.wait_for_url(f"{live_server.url}/mon-compte/")
    body = page.locator("main").inner_text()
    assert "nadia.benali1" in body
    assert "Yanis Benali" in body and "Collège Jean Moulin" in body
    assert User.objects.get(identifier="nadia.benali1").check_password(NEW_PASSWORD)
    assert "nadia.benali1" in LocmemSmsBackend.outbox[-1].body
    # The wrong date was answered with a 400 on purpose; Chromium logs that, nothing else.
    assert [error for error in page.console_errors if "status of 400" not in error] == []


def test_sophie_dupont_registers_for_two_children_in_two_schools(live_server, page) -> None:
    seed_demo()
    page.goto(f"{live_server.url}/inscription/")
    page.get_by_label("Nom", exact=True).fill("Dupont")
    page.get_by_label("Prénom").fill("Sophie")
    page.get_by_label("Numéro de mobile").fill("06 98 76 54 32")
    page.get_by_role("button", name="Recevoir un code par SMS").click()
    page.wait_for_url(f"{live_server.url}/inscription/code/")
    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)
    page.get_by_label("Code reçu par SMS").fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Valider le code").click()

    page.wait_for_url(f"{live_server.url}/inscription/enfants/")
    main = page.locator("main").inner_text()
    assert "Collège Jean Moulin" in main and "Lycée Victor Hugo" in main
    # French elision in the labels: « de Léa », « d'Hugo ».
    for label, name, born in (
        ("Date de naissance de Léa Dupont", "Léa Dupont", "14/03/2012"),
        ("Date de naissance d'Hugo Dupont", "Hugo Dupont", "02/09/2009"),
    ):
        card = page.locator("section", has_text=name)
        card.locator("label", has_text=re.compile(r"^oui$")).click()
        page.get_by_label(label).fill(born)
    page.get_by_role("button", name="Continuer").click()

    page.wait_for_url(f"{live_server.url}/inscription/mot-de-passe/")
    assert page.locator("#identifier").inner_text() == "sophie.dupont1"
    page.locator("label", has_text="Je prends note de mon identifiant").click()
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Terminer").click()

    page.wait_for_url(f"{live_server.url}/mon-compte/")
    body = page.locator("main").inner_text()
    assert "Léa Dupont" in body and "Hugo Dupont" in body
    assert "Collège Jean Moulin" in body and "Lycée Victor Hugo" in body
    assert page.console_errors == []
