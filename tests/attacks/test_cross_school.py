"""A parent known to two schools: each school's staff sees only what its school holds and did,
and one school cannot take the account over by changing the number a reset goes to (issue 16,
items 10 and 16). Every console id is resolved the admin's way (item 12).

Demo data: Patrick Dupont has a record at the collège (Claire Bernard's school) and one at the
lycée (Marc Petit's), both with +33612345678.
"""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.demo import seed_demo
from accounts.models import AuditEvent, Guardian, User
from notifications.backends.sms import LocmemSmsBackend
from recovery.channels import MOBILE_SETTLE_PERIOD
from recovery.codes import RESEND_COOLDOWN
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import ask_reset

pytestmark = pytest.mark.django_db

SHARED = "+33612345678"
LYCEE_ONLY = "+33677777777"
LYCEE = "Lycée Victor Hugo"


def console(identifier: str) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.10" if identifier == "marc.petit1" else "192.0.2.20")
    client.force_login(User.objects.get(identifier=identifier))
    return client


def change_mobile(staff: Client, guardian: Guardian, mobile: str, delivered) -> None:
    with delivered():
        response = staff.post(
            reverse("admin:accounts_guardian_change", args=[guardian.pk]),
            {
                "mobile": mobile,
                "email": guardian.email,
                "accepts_sms": "on",
                "guardianships-TOTAL_FORMS": "0",
                "guardianships-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == HTTPStatus.FOUND


@pytest.fixture
def lycee_changed_patricks_number(delivered) -> User:
    """Marc (lycée) sets Patrick's lycée number to one only the lycée holds, then sends him a
    reset link from the console: what a malicious staff member would do."""
    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    marc = console("marc.petit1")
    change_mobile(marc, Guardian.objects.get(external_id="R002"), LYCEE_ONLY, delivered)
    with delivered():
        marc.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_reset_sms", ACTION_CHECKBOX_NAME: [patrick.pk]},
        )
    return patrick


# --- Item 16: a reset does not go to a number another school just set ----------------------


def test_the_reset_the_other_school_sends_does_not_reach_the_number_it_just_set(
    lycee_changed_patricks_number: User,
) -> None:
    reset_links = [sms.to for sms in LocmemSmsBackend.outbox if "/lien/" in sms.body]
    assert reset_links == [SHARED]  # the collège's number, never the lycée's new one


def test_nor_does_the_reset_the_parent_asks_for_until_the_change_settles(
    lycee_changed_patricks_number: User, delivered
) -> None:
    patrick = lycee_changed_patricks_number
    before = len(LocmemSmsBackend.outbox)
    with time_machine.travel(timezone.now() + RESEND_COOLDOWN), delivered():
        ask_reset(Client(), patrick.identifier)
    assert sorted({sms.to for sms in LocmemSmsBackend.outbox[before:]}) == [SHARED]
    with time_machine.travel(timezone.now() + MOBILE_SETTLE_PERIOD + dt.timedelta(minutes=1)):
        before = len(LocmemSmsBackend.outbox)
        with delivered():
            ask_reset(Client(), patrick.identifier)
        later = {sms.to for sms in LocmemSmsBackend.outbox[before:]}
    assert later == {SHARED, LYCEE_ONLY}


def test_a_family_known_to_one_school_gets_its_corrected_number_at_once(delivered) -> None:
    seed_demo()
    karim = User.objects.get(identifier="karim.martin1")  # collège only
    change_mobile(console("claire.bernard1"), Guardian.objects.get(external_id="R007"),
                  "+33788888888", delivered)  # fmt: skip
    before = len(LocmemSmsBackend.outbox)
    with delivered():
        ask_reset(Client(), karim.identifier)
    assert [sms.to for sms in LocmemSmsBackend.outbox[before:]] == ["+33788888888"]


def hand_out_password(staff: Client, user: User):
    return staff.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "set_temporary_password", ACTION_CHECKBOX_NAME: [user.pk]},
        follow=True,
    )


def test_one_school_cannot_print_a_password_for_a_parent_another_school_also_holds(
    delivered,
) -> None:
    """A temporary password opens the whole account, the other school's child included: the
    collège sends a reset link instead (the numbers the schools hold), never a letter."""
    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    page = hand_out_password(console("claire.bernard1"), patrick)
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "un autre établissement suit aussi ce compte" in html
    assert "Envoyez plutôt un lien" in html
    patrick.refresh_from_db()
    assert patrick.check_password(DEMO_PASSWORD) and not patrick.must_change_password
    assert not AuditEvent.objects.filter(
        event_type=AuditEvent.Type.TEMPORARY_PASSWORD_SET, subject=patrick
    ).exists()


def test_a_family_known_to_one_school_still_gets_its_letter(delivered) -> None:
    seed_demo()
    karim = User.objects.get(identifier="karim.martin1")  # collège only
    page = hand_out_password(console("claire.bernard1"), karim)
    assert page.status_code == HTTPStatus.OK
    karim.refresh_from_db()
    assert karim.must_change_password and not karim.check_password(DEMO_PASSWORD)


def test_the_academie_prints_a_letter_for_a_parent_of_two_schools(delivered) -> None:
    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    academie = console(User.objects.get(is_superuser=True).identifier)
    assert hand_out_password(academie, patrick).status_code == HTTPStatus.OK
    patrick.refresh_from_db()
    assert patrick.must_change_password


# --- Item 10: scope every join ------------------------------------------------------------


def test_a_mobile_only_the_other_school_holds_finds_nobody(
    lycee_changed_patricks_number: User,
) -> None:
    claire = console("claire.bernard1")
    changelist = reverse("admin:accounts_user_changelist")
    assert "patrick.dupont1" not in claire.get(changelist, {"q": "06 77 77 77 77"}).content.decode()
    assert "patrick.dupont1" in claire.get(changelist, {"q": "06 12 34 56 78"}).content.decode()
    marc = console("marc.petit1")
    assert "patrick.dupont1" in marc.get(changelist, {"q": "0677777777"}).content.decode()


def test_the_person_page_shows_nothing_of_the_other_school(
    lycee_changed_patricks_number: User,
) -> None:
    patrick = lycee_changed_patricks_number
    page = console("claire.bernard1").get(reverse("admin:accounts_user_change", args=[patrick.pk]))
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "Collège Jean Moulin" in html
    for other_school in (LYCEE, "marc.petit1", LYCEE_ONLY, "06 •• •• •• 77", "192.0.2.10"):
        assert other_school not in html, other_school
    lycee_page = (
        console("marc.petit1")
        .get(reverse("admin:accounts_user_change", args=[patrick.pk]))
        .content.decode()
    )
    assert "marc.petit1" in lycee_page and LYCEE in lycee_page


def test_the_journal_list_shows_nothing_the_other_school_did(
    lycee_changed_patricks_number: User,
) -> None:
    lycee_events = AuditEvent.objects.filter(actor__identifier="marc.petit1")
    assert lycee_events.count() >= 2  # the correction, the reset link
    html = console("claire.bernard1").get(reverse("admin:accounts_auditevent_changelist"))
    assert "marc.petit1" not in html.content.decode()
    assert "192.0.2.10" not in html.content.decode()
    for event in lycee_events:
        url = reverse("admin:accounts_auditevent_change", args=[event.pk])
        assert console("claire.bernard1").get(url).status_code == HTTPStatus.FOUND  # not found


def _changelists() -> list[str]:
    urls = []
    for model in admin.site._registry:
        try:
            urls.append(
                reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            )
        except NoReverseMatch:
            continue
    return urls


def test_no_list_nor_filter_names_the_other_school(lycee_changed_patricks_number: User) -> None:
    claire = console("claire.bernard1")
    for url in [reverse("admin:index"), *_changelists()]:
        response = claire.get(url)
        assert response.status_code in {HTTPStatus.OK, HTTPStatus.FORBIDDEN}, url
        html = response.content.decode()
        assert LYCEE not in html and "0910000F" not in html, url


# --- Item 12: every console id resolved the admin's way -----------------------------------

# "²" and "١٢" are digits to str.isdigit() but only the second is to int(): ids are parsed by
# core.converters, never by hand.
ODD_IDS = ["abc", "1abc", "-1", "1.5", "99999999999999999999999", "%00", "1 OR 1=1", "²", "١٢"]


@pytest.mark.parametrize("staff", ["claire.bernard1", "admin.academie1"])
def test_no_odd_id_in_a_console_address_is_a_500(staff: str) -> None:
    seed_demo()
    identifier = (
        staff if staff != "admin.academie1" else User.objects.get(is_superuser=True).identifier
    )
    client = console(identifier)
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for view in ("change", "history", "delete"):
            for odd in ODD_IDS:
                try:
                    url = reverse(f"{prefix}_{view}", args=[odd])
                except NoReverseMatch:
                    continue
                status = client.get(url).status_code
                assert status < HTTPStatus.INTERNAL_SERVER_ERROR, (url, status)


def test_an_account_address_with_letters_is_no_such_account() -> None:
    seed_demo()
    response = console("claire.bernard1").get("/admin/accounts/user/abc/change/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")
