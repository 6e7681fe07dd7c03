"""The school gives a class its accounts: letters with identifiers and temporary passwords; a
student logs in with the letter, chooses a password, adds an e-mail and can then recover the
password by e-mail."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.demo import seed_demo
from accounts.models import AuditEvent, Student, User
from tests.recovery.conftest import ask_reset, last_link, post_new_password

pytestmark = pytest.mark.django_db

OWN_PASSWORD = "Cahier-Rouge-2027!"
RESET_PASSWORD = "Classeur-Vert-2028!"


@pytest.fixture
def secretary() -> Client:
    seed_demo()
    client = Client()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    return client


def create_accounts(secretary: Client, students: list[Student]) -> str:
    response = secretary.post(
        reverse("admin:accounts_student_changelist"),
        {"action": "create_accounts", ACTION_CHECKBOX_NAME: [s.pk for s in students]},
    )
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def letter_password(html: str, identifier: str) -> str:
    section = html[html.index(identifier) :]
    match = re.search(r'Mot de passe provisoire</dt><dd class="secret">([^<]+)</dd>', section)
    assert match, section[:1000]
    return match.group(1)


def test_the_school_creates_a_class_and_each_letter_says_what_to_do(secretary: Client) -> None:
    class_4b = list(Student.objects.filter(establishment__uai="0750654D", class_name="4B"))
    html = create_accounts(secretary, class_4b)

    accounts = User.objects.filter(student__in=class_4b).order_by("identifier")
    assert [u.identifier for u in accounts] == ["lucas.martin1", "yanis.benali1"]
    for user in accounts:
        assert user.kind == User.Kind.STUDENT and user.must_change_password
        assert user.activated_at is None  # until its owner chooses a password
        assert user.identifier in html
        assert AuditEvent.objects.filter(
            event_type=AuditEvent.Type.ACCOUNT_CREATED, subject=user, actor__isnull=False
        ).exists()
    assert html.count('class="letter"') == 2
    assert "http://testserver/connexion/" in html or "/connexion/" in html
    assert "01 40 00 00 01" in html  # whom to call at the school
    assert "Choisissez aussitôt votre propre mot de passe" in html
    # A second run creates nothing more and prints nothing: the passwords were shown once.
    again = create_accounts(secretary, class_4b)
    assert again.count('class="letter"') == 0
    assert User.objects.filter(student__in=class_4b).count() == 2


def test_another_schools_students_get_no_account_from_a_forged_selection(
    secretary: Client,
) -> None:
    noah = Student.objects.get(external_id="E008")  # Noah, at the lycée
    create_accounts(secretary, [noah])
    assert not User.objects.filter(student=noah).exists()


def test_a_provisioned_student_becomes_recoverable_by_e_mail(
    secretary: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    yanis = Student.objects.get(external_id="E003")
    html = create_accounts(secretary, [yanis])
    password = letter_password(html, "yanis.benali1")

    student = Client()
    student.post(reverse("accounts:login"), {"identifier": "yanis.benali1", "password": password})
    assert student.get(reverse("myaccount:account"))["Location"] == reverse(
        "myaccount:change_password"
    )
    response = student.post(
        reverse("myaccount:change_password"),
        {
            "current_password": password,
            "new_password1": OWN_PASSWORD,
            "new_password2": OWN_PASSWORD,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(identifier="yanis.benali1")
    assert user.activated_at is not None and not user.must_change_password

    with django_capture_on_commit_callbacks(execute=True):
        student.post(reverse("myaccount:change_email"), {"email": "yanis.benali@eleve.exemple.fr"})
    link = re.search(r"https?://\S+(/mon-compte/e-mail/verifier/\S+/)", mail.outbox[-1].body)
    assert link
    student.get(link.group(1))
    student.post(reverse("myaccount:verify_email"))
    user.refresh_from_db()
    assert user.has_verified_email

    lost = Client()
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(lost, "yanis.benali1", channel="email")
    lost.get(last_link().removeprefix("http://testserver").removeprefix("http://127.0.0.1:8000"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_new_password(lost, RESET_PASSWORD)
    assert response["Location"] == reverse("recovery:forgot_password_done")
    assert Client().login(identifier="yanis.benali1", password=RESET_PASSWORD)
