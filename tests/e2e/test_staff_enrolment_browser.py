"""A new staff member enrols from their invitation e-mail in a phone-sized headless Chromium,
and a staff member without an invitation is told to use one (issue 16)."""

from __future__ import annotations

import base64
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp

from accounts.demo import STAFF_PASSWORD, seed_demo
from accounts.models import Establishment, StaffMembership, User
from console.staff import staff_member_create
from core.http import RequestFacts

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Registre-Appel-2027!"


def test_it_takes_a_new_staff_member_from_the_invitation_to_the_console(  # type: ignore[no-untyped-def]
    live_server, page, settings
) -> None:
    settings.ADMIN_REQUIRES_OTP = True
    settings.SITE_URL = live_server.url
    seed_demo()
    staff_member_create(
        actor=User.objects.get(identifier="admin.academie1"),
        first_name="Anne",
        last_name="Lambert",
        email="anne.lambert@exemple.fr",
        establishments=[Establishment.objects.get(uai="0750654D")],
        role=StaffMembership.Role.SECRETARIAT,
        facts=RequestFacts(ip_address="127.0.0.1", user_agent="test"),
    )
    link = re.search(r"https?://\S+/personnel/invitation/lien/\S+/", mail.outbox[-1].body)
    assert link is not None

    page.goto(link.group(0))
    page.wait_for_url(f"{live_server.url}{reverse('console:invitation')}")
    assert "anne.lambert1" in page.locator("main").inner_text()
    page.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(f"{live_server.url}{reverse('console:invitation_enrol')}")
    assert page.locator("main img[src^='data:image/svg+xml']").count() == 1

    typed = page.locator("main li code").first.inner_text().replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))
    page.get_by_label("Code à 6 chiffres affiché par l'application").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Activer").click()
    page.get_by_role("heading", name="Double authentification activée").wait_for()
    assert page.locator("main .portal-codes code").count() == 10

    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    page.wait_for_url(f"{live_server.url}{reverse('admin:index')}")
    assert "Console du secrétariat" in page.locator("#site-name").inner_text()
    assert page.console_errors == []


def test_a_staff_member_without_an_invitation_is_sent_to_ask_for_one(  # type: ignore[no-untyped-def]
    live_server, page, settings
) -> None:
    settings.ADMIN_REQUIRES_OTP = True
    seed_demo()
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("Identifiant").fill("claire.bernard1")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter", exact=True).click()
    response = page.goto(f"{live_server.url}{reverse('admin:index')}")
    assert response.status == 403
    assert reverse("accounts:two_factor") in page.url
    main = page.locator("main").inner_text()
    assert "Double authentification à activer avec votre invitation" in main
    assert "Demandez une nouvelle invitation" in main
    assert page.locator("main img").count() == 0 and page.locator("main form").count() == 0
