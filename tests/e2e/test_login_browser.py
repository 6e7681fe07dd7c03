"""A demo parent logs in from a phone-sized headless Chromium."""

from __future__ import annotations

import pytest

from accounts.demo import PARENT_PASSWORD, seed_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_demo_parent_logs_in_and_sees_both_children(live_server, page) -> None:
    seed_demo()
    page.goto(f"{live_server.url}/connexion/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("input[name=password]").fill(PARENT_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url(f"{live_server.url}/mon-compte/")
    body = page.locator("main").inner_text()
    assert "Léa Dupont" in body and "Collège Jean Moulin" in body
    assert "Hugo Dupont" in body and "Lycée Victor Hugo" in body
    assert page.console_errors == []


def test_a_wrong_password_shows_the_error_next_to_the_form(live_server, page) -> None:
    seed_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("patrick.dupont1")
    page.locator("input[name=password]").fill("Pas-Le-Bon-2026")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    alert = page.get_by_role("alert")
    assert "Identifiant ou mot de passe incorrect" in alert.first.inner_text()
    assert page.url.endswith("/connexion/")


def test_the_password_can_be_shown_and_hidden(live_server, page) -> None:
    page.goto(f"{live_server.url}/connexion/")
    field = page.locator("input[name=password]")
    field.fill("Secret-2026-abc")
    assert field.get_attribute("type") == "password"
    page.get_by_text("Afficher").first.click()
    assert field.get_attribute("type") == "text"
