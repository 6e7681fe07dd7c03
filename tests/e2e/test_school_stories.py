"""The two stories where the school meets the family, in headless Chromium, on a new school whose
roster comes from SIECLE files the test writes and the secretariat imports through the console.

1. Léa's school fixes her mother's number: the code sent to the old number is refused, and a new
   request in the same minute reaches the new number.
2. Nassim's school gives his class their accounts: he logs in with his letter, chooses his
   password, adds and verifies an e-mail, then recovers his password by e-mail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Establishment, Guardian, StaffMembership, User
from accounts.roles import ensure_role_group
from accounts.services import user_create
from core.uai import uai_check_letter
from notifications.backends.sms import LocmemSmsBackend
from tests.roster.imports.builders import guardians_xml, link, person, student, students_xml

pytestmark = pytest.mark.django_db(transaction=True)

DIGITS = "0750777"
UAI = DIGITS + uai_check_letter(DIGITS)
STAFF_PASSWORD = "Registre-Ecole-2026!"
OLD_MOBILE, NEW_MOBILE = "+33611223344", "+33699887766"
PARENT_PASSWORD = "Cartable-Rouge-2026"
NEW_PASSWORD = "Gomme-Orange-2027!"


@pytest.fixture
def school(settings, live_server, tmp_path: Path) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A new school, its secretary, and its SIECLE exports written to files."""
    settings.SITE_URL = live_server.url
    settings.ADMIN_REQUIRES_OTP = False  # the second factor has its own browser test
    establishment = Establishment.objects.create(
        uai=UAI, name="Collège Simone Veil", academie="Paris", secretariat_phone="01 44 00 00 07"
    )
    secretary = user_create(
        kind=User.Kind.STAFF, first_name="Agnès", last_name="Roy", password=STAFF_PASSWORD
    )
    secretary.is_staff = True
    secretary.save(update_fields=["is_staff"])
    StaffMembership.objects.create(
        user=secretary, establishment=establishment, role=StaffMembership.Role.SECRETARIAT
    )
    secretary.groups.add(ensure_role_group(StaffMembership.Role.SECRETARIAT))
    students = [
        student("S1", "MARTIN-ROUSSEAU", "Léa", born="14/03/2012", **{"class": "5B"}),
        student("S2", "BENSALEM", "Nassim", born="09/10/2011", **{"class": "4C"}),
        student("S3", "LEROY", "Chloé", born="21/01/2011", **{"class": "4C"}),
    ]
    persons = [person("P1", "MARTIN-ROUSSEAU", "Claire", mobile="06 11 22 33 44")]
    files = {
        "students": tmp_path / "ElevesSansAdresses.xml",
        "guardians": tmp_path / "ResponsablesSansAdresses.xml",
    }
    files["students"].write_bytes(students_xml(students, uai=UAI))
    files["guardians"].write_bytes(guardians_xml(persons, [link("S1", "P1", code="20")], uai=UAI))
    return files


def console_log_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{reverse('accounts:login')}")
    page.get_by_label("Identifiant").fill("agnes.roy1")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Se connecter", exact=True).click()
    page.wait_for_url(f"{base}{reverse('myaccount:account')}")


def import_roster(page, base: str, files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    establishment = Establishment.objects.get(uai=UAI)
    page.goto(f"{base}{reverse('admin:accounts_establishment_import', args=[establishment.pk])}")
    page.locator("input[type=file]").set_input_files([str(p) for p in files.values()])
    page.locator("input[type=submit][value='Simuler l’import']").click()
    page.locator("input[type=submit][value='Appliquer cet import']").click()
    page.wait_for_load_state()
    assert "appliqué" in page.locator("#content").inner_text()


def sms_code_to(number: str) -> str:
    bodies = [sms.body for sms in LocmemSmsBackend.outbox if sms.to == number]
    assert bodies, f"no SMS to {number}"
    return re.search(r"\b(\d{6})\b", bodies[-1]).group(1)  # type: ignore[union-attr]


def ask_code(page, base: str, identifier: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{reverse('recovery:forgot_password')}")
    page.get_by_label("Identifiant").fill(identifier)
    page.locator("label", has_text="Par SMS").click()
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_url(f"{base}{reverse('recovery:forgot_password_sent')}")


def type_code(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Code reçu par SMS").fill(code)
    page.get_by_role("button", name="Valider le code").click()
    page.wait_for_load_state()


def test_a_number_the_school_corrects_takes_over_at_once(live_server, browser, school) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    office = browser.new_context(locale="fr-FR").new_page()
    console_log_in(office, base)
    import_roster(office, base, school)
    guardian = Guardian.objects.get(establishment__uai=UAI, external_id="P1")
    parent = user_create(
        kind=User.Kind.PARENT,
        first_name="Claire",
        last_name="Martin-Rousseau",
        password=PARENT_PASSWORD,
    )
    Guardian.objects.filter(pk=guardian.pk).update(account=parent)

    phone = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 812}).new_page()
    ask_code(phone, base, parent.identifier)
    old_code = sms_code_to(OLD_MOBILE)

    # At the counter: the secretary corrects the number in the console.
    office.goto(f"{base}{reverse('admin:accounts_guardian_change', args=[guardian.pk])}")
    office.locator("input[name=mobile]").fill("06 99 88 77 66")
    office.locator("input[name=_save]").click()
    office.wait_for_load_state()
    assert Guardian.objects.get(pk=guardian.pk).mobile == NEW_MOBILE

    type_code(phone, old_code)  # the old phone's code no longer works
    assert "déjà servi" in phone.locator("main").inner_text()

    ask_code(phone, base, parent.identifier)  # the same minute: the new number gets its code
    type_code(phone, sms_code_to(NEW_MOBILE))
    phone.wait_for_url(f"{base}{reverse('recovery:forgot_password_new')}")
    phone.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    phone.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    phone.wait_for_url(f"{base}{reverse('recovery:forgot_password_done')}")
    phone.context.close()
    office.context.close()


def test_a_student_the_school_provisions_logs_in_and_becomes_recoverable(
    live_server, browser, school
) -> None:  # type: ignore[no-untyped-def]
    base = live_server.url
    office = browser.new_context(locale="fr-FR").new_page()
    console_log_in(office, base)
    import_roster(office, base, school)

    # The secretary selects class 4C and creates its accounts; the letters print one a page.
    office.goto(f"{base}{reverse('admin:accounts_student_changelist')}?class_name=4C")
    office.locator("#action-toggle").check()
    office.locator("select[name=action]").select_option("create_accounts")
    office.locator("button[name=index]").click()
    office.wait_for_load_state()
    letters = office.locator("section.letter")
    assert letters.count() == 2
    nassim = letters.filter(has_text="Nassim")
    identifier = nassim.locator("dd.secret").nth(0).inner_text()
    password = nassim.locator("dd.secret").nth(1).inner_text()
    assert identifier == "nassim.bensalem1"
    assert "01 44 00 00 07" in nassim.inner_text()

    phone = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 812}).new_page()
    phone.goto(f"{base}{reverse('accounts:login')}")
    phone.get_by_label("Identifiant").fill(identifier)
    phone.locator("input[name=password]").fill(password)
    phone.get_by_role("button", name="Se connecter", exact=True).click()
    phone.wait_for_url(f"{base}{reverse('myaccount:change_password')}")  # forced first change
    phone.locator("input[name=current_password]").fill(password)
    phone.locator("input[name=new_password1]").fill(NEW_PASSWORD)
    phone.locator("input[name=new_password2]").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    phone.wait_for_url(f"{base}{reverse('myaccount:account')}")

    phone.goto(f"{base}{reverse('myaccount:change_email')}")
    phone.get_by_label("Adresse e-mail").fill("nassim.bensalem@eleve.exemple.fr")
    phone.get_by_role("button", name="Recevoir le lien de confirmation").click()
    phone.wait_for_load_state()
    verify = re.search(r"http\S+/mon-compte/e-mail/verifier/\S+/", mail.outbox[-1].body)
    phone.goto(verify.group(0))  # type: ignore[union-attr]
    phone.get_by_role("button", name="Confirmer cette adresse").click()
    phone.wait_for_url(f"{base}{reverse('myaccount:account')}")
    phone.context.clear_cookies()  # later, on a device where nobody is signed in

    phone.goto(f"{base}{reverse('recovery:forgot_password')}")
    phone.get_by_label("Identifiant").fill(identifier)
    phone.locator("label", has_text="Par e-mail").click()
    phone.get_by_role("button", name="Continuer").click()
    reset = re.search(r"http\S+/lien/\S+/", mail.outbox[-1].body)
    phone.goto(reset.group(0))  # type: ignore[union-attr]
    phone.locator("input[name=new_password1]").fill("Trousse-Bleue-2028!")
    phone.locator("input[name=new_password2]").fill("Trousse-Bleue-2028!")
    phone.get_by_role("button", name="Enregistrer le nouveau mot de passe").click()
    phone.wait_for_url(f"{base}{reverse('recovery:forgot_password_done')}")
    phone.context.close()
    office.context.close()
