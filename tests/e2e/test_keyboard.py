"""Keyboard only: a parent signs in, then recovers a password by SMS, with Tab, arrows, Space and
Enter, never the mouse; every element reached shows where the focus is."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse

from accounts.demo import PARENT_PASSWORD, seed_demo
from notifications.backends.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Gomme-Orange-2027"
MAX_TABS = 40
FOCUSED = """(selector) => {
    const el = document.activeElement;
    if (!el || el === document.body) return {matches: false, tag: "body", indicator: true};
    const style = getComputedStyle(el);
    const ringed = (s) => s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
    return {
        matches: el.matches(selector),
        tag: el.outerHTML.slice(0, 120),
        // DSFR rings an enlarged link's ::before, and a hidden radio's or checkbox's label.
        indicator: ringed(style) || ringed(getComputedStyle(el, "::before"))
            || style.boxShadow !== "none" || ["radio", "checkbox"].includes(el.type),
    };
}"""


@pytest.fixture
def keyboard_page(browser, live_server) -> Iterator[object]:
    seed_demo()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    page.unmarked = []  # elements that took the focus without showing it
    yield page
    context.close()


def tab_to(page, selector: str) -> None:
    """Press Tab until ``selector`` has the focus; each element passed must show its focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED, selector)
        if not focused["indicator"]:
            page.unmarked.append(focused["tag"])
        if focused["matches"]:
            return
    pytest.fail(f"{selector} not reached with {MAX_TABS} presses of Tab on {page.url}")


def log_in_with_the_keyboard(page, password: str) -> None:
    tab_to(page, "input[name=identifier]")
    page.keyboard.type("patrick.dupont1")
    tab_to(page, "input[name=password]")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + reverse("myaccount:account"))


def test_the_skip_link_comes_first_and_leads_to_the_form(keyboard_page) -> None:
    page = keyboard_page
    page.goto(page.base_url + reverse("accounts:login"))
    page.keyboard.press("Tab")
    skip = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert skip == "#contenu"
    assert page.evaluate(FOCUSED, "a")["indicator"]
    assert page.locator(".fr-skiplinks a").first.is_visible()  # shown once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.name") == "identifier"


def test_a_parent_signs_in_with_the_keyboard_only(keyboard_page) -> None:
    page = keyboard_page
    page.goto(page.base_url + reverse("accounts:login"))
    log_in_with_the_keyboard(page, PARENT_PASSWORD)
    assert "Léa Dupont" in page.locator("main").inner_text()
    assert page.unmarked == []


def test_a_parent_recovers_the_password_by_sms_with_the_keyboard_only(keyboard_page) -> None:
    page = keyboard_page
    page.goto(page.base_url + reverse("accounts:login"))
    tab_to(page, f"a[href='{reverse('recovery:forgot_password')}']")
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + reverse("recovery:forgot_password"))

    tab_to(page, "input[name=identifier]")
    page.keyboard.type("patrick.dupont1")
    tab_to(page, "input[name=channel]")
    for _ in range(3):  # arrows move through the radio group and check the one reached
        if page.evaluate("() => document.activeElement.value") == "sms":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.locator("input[name=channel][value=sms]").is_checked()
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + reverse("recovery:forgot_password_sent"))

    code = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body).group(1)
    tab_to(page, "input[name=code]")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + reverse("recovery:forgot_password_new"))

    tab_to(page, "input[name=new_password1]")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, "input[name=new_password2]")
    page.keyboard.type(NEW_PASSWORD)
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(page.base_url + reverse("recovery:forgot_password_done"))

    tab_to(page, f"main a[href^='{reverse('accounts:login')}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(page.base_url + reverse("accounts:login"))))
    log_in_with_the_keyboard(page, NEW_PASSWORD)
    assert page.unmarked == []
