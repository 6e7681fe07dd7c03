"""The new-password checklist in headless Chromium: ticked live with JavaScript, and without it
the server's French reasons."""

from __future__ import annotations

import pytest

from accounts.demo import PARENT_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db(transaction=True)

CHANGE_PASSWORD = "/mon-compte/mot-de-passe/"


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("input[name=password]").fill(PARENT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url(f"{live_server.url}/mon-compte/")
    page.goto(f"{live_server.url}{CHANGE_PASSWORD}")


def ticked_keys(page) -> set[str]:
    rules = page.locator("#id_new_password1_messages .fr-message--valid[data-rule]")
    return {rules.nth(i).get_attribute("data-rule") for i in range(rules.count())}


def test_the_checklist_ticks_length_classes_and_names_as_the_parent_types(
    live_server, page
) -> None:
    seed_demo()
    log_in(page, live_server)
    field = page.locator("input[name=new_password1]")
    assert ticked_keys(page) == set()
    field.press_sequentially("cheval")
    assert ticked_keys(page) == {"personal"}
    field.fill("Cheval-Dupont-7")
    assert ticked_keys(page) == {"length", "classes"}
    field.fill("Cheval-Agrafe-Batterie-7")
    assert ticked_keys(page) == {"length", "classes", "personal"}
    assert "vérifié à l’envoi" in page.locator("#id_new_password1_messages").inner_text()
    assert page.console_errors == []


def test_without_javascript_the_server_says_why_a_breached_password_is_refused(
    live_server, browser
) -> None:
    seed_demo()
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.locator("input[name=current_password]").fill(PARENT_PASSWORD)
    page.locator("input[name=new_password1]").fill("always&4ever")
    page.locator("input[name=new_password2]").fill("always&4ever")
    page.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    messages = page.locator("#id_new_password1_messages").inner_text()
    assert "figure dans des listes de mots de passe volés" in messages
    assert "Pas un mot de passe connu de fuites de données" in messages
    assert ticked_keys(page) == set()
    context.close()
