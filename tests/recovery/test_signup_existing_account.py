"""Signing up again, with the records of another school, when one already has an account:
the last step offers « Vous avez déjà un compte ? » and the children join it (issue 15),
instead of a second account."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Establishment, User
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student
from tests.helpers import comparable_page
from tests.recovery.conftest import last_code, text
from tests.recovery.signup_support import answer, nadia_family, post_code, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def nadia(lycee: Establishment) -> User:
    """Nadia already has an account, made with the lycée, which holds another mobile."""
    return make_parent_account(
        make_guardian(lycee, last_name="Benali", first_name="Nadia", mobile="+33600000001"),
        student=make_student(lycee, last_name="Benali", first_name="Inès"),
    )


def to_password_step(client: Client, school: Establishment, delivered) -> None:
    family = nadia_family(school)
    with delivered():
        start(client)
    post_code(client, last_code())
    response = answer(client, {family.children[0]: ("oui", "23/11/2011")})
    assert response["Location"] == reverse("recovery:signup_password")


def existing(client: Client, identifier: str, password: str = DEMO_PASSWORD):
    return client.post(
        reverse("recovery:signup_existing"),
        {"existing-identifier": identifier, "existing-password": password},
    )


def test_the_children_join_the_account_the_parent_already_has(
    client: Client, college: Establishment, nadia: User, delivered
) -> None:
    to_password_step(client, college, delivered)
    page = text(client.get(reverse("recovery:signup_password")))
    assert "Vous avez déjà un compte ?" in page
    response = existing(client, nadia.identifier)
    assert response["Location"] == reverse("myaccount:account")
    assert User.objects.count() == 1  # no second account
    account = text(client.get(reverse("myaccount:account")))
    assert "Yanis Benali" in account and "Inès Benali" in account
    assert AuditEvent.objects.filter(
        subject=nadia, event_type=AuditEvent.Type.SIGNUP_RECORDS_ATTACHED
    ).exists()
    assert existing(client, nadia.identifier)["Location"] == reverse("myaccount:account")


def test_a_wrong_password_and_an_unknown_identifier_look_the_same_and_add_nothing(
    client: Client, college: Establishment, nadia: User, delivered
) -> None:
    to_password_step(client, college, delivered)
    wrong = existing(client, nadia.identifier, "Pas-Le-Bon-2026")
    unknown = existing(client, "personne.inconnue1", "Pas-Le-Bon-2026")
    assert wrong.status_code == unknown.status_code == HTTPStatus.BAD_REQUEST
    assert "Identifiant ou mot de passe incorrect." in text(wrong)
    assert comparable_page(text(wrong)).replace(nadia.identifier, "X") == comparable_page(
        text(unknown)
    ).replace("personne.inconnue1", "X")
    assert nadia.guardian_records.count() == 1
    assert not User.objects.exclude(pk=nadia.pk).exists()


def test_the_account_of_another_person_gets_no_child(
    client: Client, college: Establishment, lycee: Establishment, delivered
) -> None:
    other = make_parent_account(make_guardian(lycee, first_name="Karim", mobile="+33600000002"))
    to_password_step(client, college, delivered)
    response = existing(client, other.identifier)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "n'est pas au nom" in text(response)
    assert other.guardian_records.count() == 1
