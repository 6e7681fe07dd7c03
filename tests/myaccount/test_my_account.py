"""Mon compte: password change, e-mail verification, sessions, journal, attachment reports."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AttachmentReport, AuditEvent, User, UserSession
from accounts.services import user_email_set
from notifications.backends.sms import LocmemSmsBackend
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Nouveau-Cartable-2027"


def logged_in(user: User, password: str = DEMO_PASSWORD, agent: str = "Mozilla/5.0") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(
        reverse("accounts:login"), {"identifier": user.identifier, "password": password}
    )
    assert response.status_code == HTTPStatus.FOUND
    client.get(reverse("myaccount:account"))
    return client


def change_password(client: Client, current: str = DEMO_PASSWORD, new: str = NEW_PASSWORD):
    return client.post(
        reverse("myaccount:change_password"),
        {"current_password": current, "new_password1": new, "new_password2": new},
    )


def test_changing_the_password_ends_the_other_sessions_and_warns_by_sms(
    parent: User, django_capture_on_commit_callbacks
) -> None:
    phone = logged_in(parent, agent="Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile")
    laptop = logged_in(parent, agent="Mozilla/5.0 (Windows NT 10.0) Firefox/133.0")
    with django_capture_on_commit_callbacks(execute=True):
        response = change_password(laptop)
    assert response.status_code == HTTPStatus.FOUND
    assert laptop.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
    assert phone.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert UserSession.objects.filter(user=parent).count() == 1
    assert "patrick.dupont1" in LocmemSmsBackend.outbox[0].body
    assert AuditEvent.objects.filter(event_type="password_changed", subject=parent).exists()
    assert Client().login(username=parent.identifier, password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("Pas-Le-Bon-2026", NEW_PASSWORD, "mot de passe actuel est incorrect"),
        (DEMO_PASSWORD, "court", "au moins 12 caractères"),
        (DEMO_PASSWORD, "Dupont-Cartable-99", "ni votre nom"),
        (DEMO_PASSWORD, DEMO_PASSWORD, "différent de l&#x27;actuel"),
    ],
)
def test_a_refused_password_change_says_why(
    parent: User, current: str, new: str, message: str
) -> None:
    client = logged_in(parent)
    response = change_password(client, current, new)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.content.decode()
    parent.refresh_from_db()
    assert parent.check_password(DEMO_PASSWORD)


def test_mismatched_confirmation_is_refused(parent: User) -> None:
    client = logged_in(parent)
    response = client.post(
        reverse("myaccount:change_password"),
        {"current_password": DEMO_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": "x"},
    )
    assert "pas identiques" in response.content.decode()


def test_a_temporary_password_must_be_changed_before_anything_else(parent: User) -> None:
    parent.must_change_password = True
    parent.save(update_fields=["must_change_password"])
    client = logged_in(parent)
    for url in (reverse("myaccount:account"), reverse("myaccount:journal"), "/admin/"):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("myaccount:change_password")
    page = client.get(reverse("myaccount:change_password"))
    assert "provisoire" in page.content.decode()
    assert change_password(client).status_code == HTTPStatus.FOUND
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
    assert not Client().login(username=parent.identifier, password=DEMO_PASSWORD)


def verification_link() -> str:
    return re.search(r"https?://\S+/mon-compte/e-mail/verifier/\S+/", mail.outbox[-1].body).group(0)


def test_a_new_email_is_used_only_once_verified(
    parent: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("myaccount:change_email"), {"email": "Patrick@Exemple.FR"})
    assert response.status_code == HTTPStatus.OK
    parent.refresh_from_db()
    assert parent.email == ""
    opened = client.get(path_of(verification_link()))
    assert opened["Location"] == reverse("myaccount:verify_email")
    page = client.get(reverse("myaccount:verify_email"))
    assert "Patrick@exemple.fr" in page.content.decode()
    assert client.post(reverse("myaccount:verify_email")).status_code == HTTPStatus.FOUND
    parent.refresh_from_db()
    assert parent.email == "Patrick@exemple.fr" and parent.has_verified_email


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_an_email_link_works_once_and_not_after_24_hours(
    parent: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("myaccount:change_email"), {"email": "a@exemple.fr"})
    link = path_of(verification_link())
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        late = logged_in(parent)
        late.get(link)
        expired = late.post(reverse("myaccount:verify_email"))
    assert expired.status_code == HTTPStatus.BAD_REQUEST
    assert "expiré" in expired.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("myaccount:change_email"), {"email": "b@exemple.fr"})
    client.get(path_of(verification_link()))
    assert client.post(reverse("myaccount:verify_email")).status_code == HTTPStatus.FOUND
    client.get(path_of(verification_link()))
    assert client.post(reverse("myaccount:verify_email")).status_code == HTTPStatus.BAD_REQUEST


def test_a_superseded_link_and_another_accounts_link_are_refused(
    parent: User, college, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("myaccount:change_email"), {"email": "a@exemple.fr"})
    first = path_of(verification_link())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("myaccount:change_email"), {"email": "b@exemple.fr"})
    client.get(first)
    assert client.post(reverse("myaccount:verify_email")).status_code == HTTPStatus.BAD_REQUEST
    other = make_parent_account(make_guardian(college, first_name="Sophie", mobile=""))
    intruder = logged_in(other)
    intruder.get(path_of(verification_link()))
    assert intruder.post(reverse("myaccount:verify_email")).status_code == HTTPStatus.BAD_REQUEST


def test_the_old_address_is_told_when_the_email_changes(
    parent: User, django_capture_on_commit_callbacks
) -> None:
    user_email_set(user=parent, email="ancienne@exemple.fr", verified=True)
    client = logged_in(parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("myaccount:change_email"), {"email": "nouvelle@exemple.fr"})
    client.get(path_of(verification_link()))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("myaccount:verify_email"))
    assert mail.outbox[-1].to == ["ancienne@exemple.fr"]


def test_sessions_are_listed_and_can_be_ended(parent: User) -> None:
    phone = logged_in(parent, agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Safari/604.1")
    laptop = logged_in(parent, agent="Mozilla/5.0 (Windows NT 10.0) Firefox/133.0")
    page = laptop.get(reverse("myaccount:sessions")).content.decode()
    assert "Safari sur iPhone" in page and "Firefox sur Windows" in page
    phone_row = UserSession.objects.get(user_agent__contains="iPhone")
    laptop.post(reverse("myaccount:sessions"), {"session": phone_row.pk})
    assert phone.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert laptop.get(reverse("myaccount:account")).status_code == HTTPStatus.OK


def test_nobody_ends_someone_elses_session(parent: User, college) -> None:
    victim = logged_in(parent)
    other = make_parent_account(make_guardian(college, first_name="Sophie", mobile=""))
    attacker = logged_in(other)
    row = UserSession.objects.get(user=parent)
    attacker.post(reverse("myaccount:sessions"), {"session": row.pk})
    assert victim.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
    assert attacker.post(reverse("myaccount:sessions"), {"session": "abc"}).status_code == 400


def test_the_journal_shows_the_accounts_own_recent_events(parent: User) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=120)):
        logged_in(parent)
    client = logged_in(parent, agent="Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile")
    page = client.get(reverse("myaccount:journal")).content.decode()
    assert page.count("Connexion réussie") == 1
    assert "Chrome sur Android" in page


def test_a_parent_reports_a_child_that_is_not_theirs(parent: User, college) -> None:
    client = logged_in(parent)
    child = parent.guardian_records.get().students.get()
    url = reverse("myaccount:report_attachment", args=[child.pk])
    assert client.post(url, {"comment": "Je ne connais pas cet enfant."}).status_code == 302
    assert client.post(url, {"comment": "Encore"}).status_code == 302
    report = AttachmentReport.objects.get()
    assert (report.student, report.establishment, report.status) == (child, college, "open")
    stranger = make_student(college, first_name="Inconnu")
    other_url = reverse("myaccount:report_attachment", args=[stranger.pk])
    assert client.get(other_url).status_code == HTTPStatus.NOT_FOUND


def test_e_mail_changes_are_limited_per_account_and_per_address(
    parent: User, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(parent)
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client.post(reverse("myaccount:change_email"), {"email": f"cible{n}@exemple.fr"})
            for n in range(50)
        ]
    assert [a.status_code for a in answers[:3]] == [HTTPStatus.OK] * 3
    assert {a.status_code for a in answers[3:]} == {HTTPStatus.TOO_MANY_REQUESTS}
    assert len(mail.outbox) == 3  # not 50 messages to addresses of the sender's choice
    assert "Trop de demandes" in answers[-1].content.decode()


def test_password_changes_are_limited_per_account(parent: User) -> None:
    client = logged_in(parent)
    # The right current password each time (wrong ones meet the login throttle first,
    # tests/attacks/test_password_oracle.py), a new one refused by the policy.
    statuses = [change_password(client, new="court").status_code for _ in range(12)]
    assert statuses[:10] == [HTTPStatus.BAD_REQUEST] * 10
    assert statuses[10:] == [HTTPStatus.TOO_MANY_REQUESTS] * 2
