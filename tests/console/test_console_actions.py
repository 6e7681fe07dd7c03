"""Secretariat console: scoped search and actions, each audited and visible to the family."""

from __future__ import annotations

import datetime as dt
import re
from http import HTTPStatus

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.demo import seed_demo
from accounts.models import AttachmentReport, AuditEvent, Guardian, Guardianship, Student, User
from notifications.backends.sms import LocmemSmsBackend
from tests.recovery.conftest import ask_reset, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(client: Client) -> Client:
    seed_demo()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    return client


def changelist(client: Client, model: str, **params: str) -> str:
    response = client.get(reverse(f"admin:accounts_{model}_changelist"), params)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


@pytest.mark.parametrize("term", ["lefevre", "LEFÈVRE", "marie helene", "chloe"])
def test_search_forgives_accents_case_and_hyphens(secretary: Client, term: str) -> None:
    model = "student" if term == "chloe" else "guardian"
    assert "Lefèvre" in changelist(secretary, model, q=term)


@pytest.mark.parametrize("term", ["06 11 22 33 44", "+33611223344", "0033611223344"])
def test_search_finds_a_parent_by_any_phone_spelling(secretary: Client, term: str) -> None:
    html = changelist(secretary, "user", q=term)
    assert "marie-helene.lefevre1" in html
    assert "patrick.dupont1" not in html


def test_search_never_crosses_schools(secretary: Client) -> None:
    assert "Nguyen" not in changelist(secretary, "student", q="nguyen")
    assert "emma.nguyen1" not in changelist(secretary, "user", q="emma")


def run_action(client: Client, action: str, users: list[User]):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [u.pk for u in users]},
    )


def test_a_temporary_password_letter_is_printed_once_and_forces_a_change(
    secretary: Client,
) -> None:
    karim = User.objects.get(identifier="karim.martin1")
    response = run_action(secretary, "set_temporary_password", [karim])
    html = response.content.decode()
    password = re.search(r'class="secret">([A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4})<', html)
    assert password and "karim.martin1" in html
    karim.refresh_from_db()
    assert karim.must_change_password and karim.check_password(password.group(1))
    event = AuditEvent.objects.get(event_type="temporary_password_set", subject=karim)
    assert event.actor.identifier == "claire.bernard1"


def test_an_account_of_another_school_is_untouched_even_by_forged_ids(secretary: Client) -> None:
    emma = User.objects.get(identifier="emma.nguyen1")
    run_action(secretary, "deactivate", [emma])
    run_action(secretary, "set_temporary_password", [emma])
    emma.refresh_from_db()
    assert emma.is_active and not emma.must_change_password
    url = reverse("admin:accounts_user_change", args=[emma.pk])
    response = secretary.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("admin:index")


def test_deactivating_ends_sign_in_and_is_reversible(secretary: Client) -> None:
    karim = User.objects.get(identifier="karim.martin1")
    run_action(secretary, "deactivate", [karim])
    karim.refresh_from_db()
    assert not karim.is_active
    run_action(secretary, "reactivate", [karim])
    karim.refresh_from_db()
    assert karim.is_active
    assert AuditEvent.objects.filter(subject=karim, event_type="account_deactivated").exists()


def test_a_corrected_mobile_applies_at_once_and_the_old_number_is_told(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    guardian = Guardian.objects.get(external_id="R005")
    url = reverse("admin:accounts_guardian_change", args=[guardian.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary.post(
            url,
            {
                "mobile": "07 81 23 45 67",
                "email": guardian.email,
                "accepts_sms": "on",
                "guardianships-TOTAL_FORMS": "0",
                "guardianships-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    guardian.refresh_from_db()
    assert guardian.mobile == "+33781234567"
    assert LocmemSmsBackend.outbox[-1].to == "+33611223344"
    assert AuditEvent.objects.filter(
        event_type="contact_changed", subject=guardian.account
    ).exists()


def test_an_impossible_mobile_is_refused_in_french(secretary: Client) -> None:
    guardian = Guardian.objects.get(external_id="R005")
    url = reverse("admin:accounts_guardian_change", args=[guardian.pk])
    response = secretary.post(
        url,
        {
            "mobile": "00 00 00 00 00",
            "email": "",
            "accepts_sms": "on",
            "guardianships-TOTAL_FORMS": "0",
            "guardianships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "Ce numéro de mobile n&#x27;est pas valide" in response.content.decode()
    guardian.refresh_from_db()
    assert guardian.mobile == "+33611223344"


def test_a_wrong_attachment_report_is_resolved_by_detaching(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    karim = User.objects.get(identifier="karim.martin1")
    ines = Student.objects.get(first_name="Inès")
    guardian = karim.guardian_records.get()
    report = AttachmentReport.objects.create(
        reporter=karim, guardian=guardian, student=ines, establishment=ines.establishment
    )
    url = reverse("admin:accounts_attachmentreport_change", args=[report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = secretary.post(url, {"decision": "detach", "resolution_comment": "Vérifié."})
    assert response.status_code == HTTPStatus.FOUND
    report.refresh_from_db()
    assert report.status == "detached"
    assert not Guardianship.objects.filter(guardian=guardian, student=ines).exists()
    assert LocmemSmsBackend.outbox[-1].to == "+33633445566"
    # The SMS says the outcome is in Mon compte: it is, with the school's comment and the date.
    assert "Mon compte" in LocmemSmsBackend.outbox[-1].body
    family = Client()
    family.force_login(karim)
    page = family.get(reverse("myaccount:account")).content.decode()
    assert "Mes signalements" in page
    assert "Enfant détaché" in page and "Vérifié." in page
    assert "Traité le" in page


def test_the_home_page_shows_the_schools_dashboard(secretary: Client) -> None:
    html = secretary.get(reverse("admin:index")).content.decode()
    assert "Collège Jean Moulin" in html
    assert "Lycée Victor Hugo" not in html
    assert "Benali Nadia" in html  # a legal guardian without an account
    assert "<td>4B</td><td>0 / 2 (0 %)</td><td>1 / 2 (50 %)</td>" in html  # Karim yes, Nadia no


def test_a_persons_page_shows_roster_notifications_and_journal(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    from notifications.services import notification_send

    karim = User.objects.get(identifier="karim.martin1")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            channel="sms",
            destination="+33633445566",
            template="welcome",
            context={"identifier": karim.identifier},
            user=karim,
        )
    html = secretary.get(reverse("admin:accounts_user_change", args=[karim.pk])).content.decode()
    assert "Collège Jean Moulin" in html and "+33633445566" in html
    assert "Inès Martin" in html and "Lucas Martin" in html
    assert "06 •• •• •• 66" in html and "Envoyé" in html


def asks_for_codes(parent: User, delivered, *, minutes: list[float]) -> list[str]:  # type: ignore[no-untyped-def]
    """The family asks for a reset code by SMS at each of ``minutes``, each time from a new
    browser; returns where each request led."""
    start = timezone.now()
    pages = []
    for minute in minutes:
        with time_machine.travel(start + dt.timedelta(minutes=minute)), delivered():
            pages.append(ask_reset(Client(), parent.identifier)["Location"])
    return pages


def test_a_code_the_hourly_quota_refuses_shows_on_the_persons_page_with_why(
    secretary: Client, delivered
) -> None:
    parent = Guardian.objects.get(external_id="R005").account
    pages = asks_for_codes(parent, delivered, minutes=[0, 2, 4, 6])
    assert len(LocmemSmsBackend.outbox) == 3  # the fourth code of the hour is not sent...
    assert set(pages) == {reverse("recovery:forgot_password_sent")}  # ...and the page is the same
    html = text(secretary.get(reverse("admin:accounts_user_change", args=[parent.pk])))
    journal = html.split("Journal du compte")[-1]
    assert "non envoyé (limite d'envois de l'heure atteinte)" in journal
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RESET_CODE_HELD_HOURLY)
    assert event.subject == parent and event.details["channel"] == "sms"


def test_a_code_the_sms_budget_blocks_shows_on_the_persons_page_with_why(
    secretary: Client, delivered, settings
) -> None:
    settings.SMS_BUDGET_PER_DESTINATION_PER_HOUR = 1
    parent = Guardian.objects.get(external_id="R005").account
    asks_for_codes(parent, delivered, minutes=[0, 2])
    assert len(LocmemSmsBackend.outbox) == 1
    html = text(secretary.get(reverse("admin:accounts_user_change", args=[parent.pk])))
    messages = html.split("Derniers envois")[-1].split("Journal du compte")[0]
    assert "Bloqué : budget SMS dépassé" in messages
    assert "SMS bloqué (budget dépassé)" in html.split("Journal du compte")[-1]


def test_unregistered_legal_guardians_can_be_invited_by_sms(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    targets = Guardian.objects.filter(external_id__in=["R004", "R006", "R005"])  # Nadia, Bernard
    with django_capture_on_commit_callbacks(execute=True):
        secretary.post(
            reverse("admin:accounts_guardian_changelist"),
            {"action": "invite", ACTION_CHECKBOX_NAME: [g.pk for g in targets]},
        )
    assert [sms.to for sms in LocmemSmsBackend.outbox] == ["+262692123456"]
    assert "/inscription/" in LocmemSmsBackend.outbox[0].body
    assert AuditEvent.objects.filter(event_type="invitation_sent").count() == 1


def sent_link(body: str) -> str:
    return "/" + re.search(r"https?://[^/]+/(mot-de-passe-perdu/lien/\S+/)", body).group(1)


def test_a_reset_link_sent_by_sms_lets_the_parent_choose_a_password(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    karim = User.objects.get(identifier="karim.martin1")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(secretary, "send_reset_sms", [karim])
    [sms] = LocmemSmsBackend.outbox
    assert sms.to == "+33633445566"
    family = Client()
    family.get(sent_link(sms.body), follow=True)
    new_page = reverse("recovery:forgot_password_new")
    with django_capture_on_commit_callbacks(execute=True):
        done = family.post(
            new_page, {"new_password1": "Trousse-Rouge-2031", "new_password2": "Trousse-Rouge-2031"}
        )
    assert done.status_code == HTTPStatus.FOUND
    assert Client().login(username="karim.martin1", password="Trousse-Rouge-2031")
    event = AuditEvent.objects.get(event_type="password_reset_requested", subject=karim)
    assert event.actor.identifier == "claire.bernard1"


def test_a_reset_by_email_needs_a_verified_address(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    karim = User.objects.get(identifier="karim.martin1")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(secretary, "send_reset_email", [karim])
    assert response.status_code == HTTPStatus.FOUND
    assert not AuditEvent.objects.filter(event_type="password_reset_requested").exists()


def test_a_six_digit_code_cannot_be_used_as_a_link(client: Client) -> None:
    response = client.get("/mot-de-passe-perdu/lien/123456/", follow=True)
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_the_secretariat_unlocks_a_locked_parent(secretary: Client) -> None:
    from core.ratelimits import login_failure_record, login_wait_seconds

    karim = User.objects.get(identifier="karim.martin1")
    for _ in range(10):
        login_failure_record(identifier=karim.identifier, ip="198.51.100.9")
    assert login_wait_seconds(identifier=karim.identifier, ip="203.0.113.1") > 0
    run_action(secretary, "unlock", [karim])
    assert login_wait_seconds(identifier=karim.identifier, ip="203.0.113.1") == 0
    assert AuditEvent.objects.filter(event_type="login_unlocked", subject=karim).exists()


def test_the_account_list_shows_school_lock_and_last_message(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:
    from core.ratelimits import login_failure_record
    from notifications.services import notification_send

    karim = User.objects.get(identifier="karim.martin1")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            channel="sms",
            destination="+33633445566",
            template="welcome",
            context={"identifier": karim.identifier},
            user=karim,
        )
    for _ in range(10):
        login_failure_record(identifier=karim.identifier, ip="198.51.100.9")
    html = changelist(secretary, "user", q="karim")
    assert "Collège Jean Moulin" in html and "Envoyé" in html
    row = next(r for r in html.split("<tr") if "karim.martin1" in r)
    assert row.count('alt="True"') == 3  # active, activated, locked (e-mail not verified)


def test_invitation_letters_are_printed_for_unregistered_legal_guardians(
    secretary: Client,
) -> None:
    guardians = Guardian.objects.filter(external_id__in=["R003", "R004", "R005"])
    response = secretary.post(
        reverse("admin:accounts_guardian_changelist"),
        {"action": "print_invitation_letters", ACTION_CHECKBOX_NAME: [g.pk for g in guardians]},
    )
    html = response.content.decode()
    assert html.count('class="letter"') == 2  # Sophie and Nadia; Marie-Hélène has an account
    assert "/inscription/" in html and "Yanis Benali" in html
