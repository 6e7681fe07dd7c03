"""One rule decides who may sign in and who may recover (issue 16, item 13): an account that
the login refuses gets no reset and no reminder, and one that recovery reaches can log in.

The rule (``accounts.access.may_sign_in``): active, and either activated (the owner chose a
password) or holding a temporary password the school gave, so a school-provisioned student
still logs in with the letter's password.
"""

from __future__ import annotations

import itertools
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.access import may_sign_in
from accounts.models import Establishment, User
from accounts.services import user_create
from notifications.backends.sms import LocmemSmsBackend
from tests.conftest import make_guardian, make_student

pytestmark = pytest.mark.django_db

PASSWORD = "Cartable-Bleu-2026"
STATES = list(itertools.product([True, False], repeat=3))  # active, activated, temporary


def _account(school: Establishment, *, active: bool, activated: bool, temporary: bool) -> User:
    user = user_create(
        kind=User.Kind.PARENT,
        first_name="Patrick",
        last_name="Dupont",
        password=PASSWORD,
        email="patrick@exemple.fr",
        email_verified=True,
        activated=activated,
        must_change_password=temporary,
    )
    user.is_active = active
    user.save(update_fields=["is_active"])
    guardian = make_guardian(school, account=user)
    guardian.guardianships.create(student=make_student(school), responsibility_level=1)
    return user


@pytest.mark.parametrize(("active", "activated", "temporary"), STATES)
def test_the_login_and_every_recovery_door_apply_the_same_rule(
    college: Establishment, delivered, active: bool, activated: bool, temporary: bool
) -> None:
    user = _account(college, active=active, activated=activated, temporary=temporary)
    expected = active and (activated or temporary)
    assert may_sign_in(user) == expected

    login = Client().post(
        reverse("accounts:login"), {"identifier": user.identifier, "password": PASSWORD}
    )
    with delivered():
        Client().post(
            reverse("recovery:forgot_password"), {"identifier": user.identifier, "channel": "sms"}
        )
        Client().post(
            reverse("recovery:forgot_password"),
            {"identifier": user.identifier, "channel": "email"},
        )
        Client().post(
            reverse("recovery:forgot_identifier"), {"channel": "sms", "mobile": "0612345678"}
        )
        Client().post(
            reverse("recovery:forgot_identifier"),
            {"channel": "email", "email": "patrick@exemple.fr"},
        )

    assert (login.status_code == HTTPStatus.FOUND) == expected
    sent = {sms.body.split()[0] for sms in LocmemSmsBackend.outbox}
    assert bool(LocmemSmsBackend.outbox) == expected, sent
    assert len(LocmemSmsBackend.outbox) == (2 if expected else 0)  # a code, a reminder
    assert len(mail.outbox) == (2 if expected else 0)  # a link, a reminder


def test_a_school_provisioned_student_logs_in_with_the_letter_and_must_change_it(
    college: Establishment,
) -> None:
    student = user_create(
        kind=User.Kind.STUDENT,
        first_name="Yanis",
        last_name="Benali",
        password="Provisoire-Jaune-2026",
        must_change_password=True,
        activated=False,
        student_id=make_student(college, first_name="Yanis", last_name="Benali").pk,
    )
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"identifier": student.identifier, "password": "Provisoire-Jaune-2026"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("myaccount:account"))["Location"] == reverse(
        "myaccount:change_password"
    )


def test_a_session_of_an_account_that_may_no_longer_sign_in_ends(parent: User) -> None:
    client = Client()
    client.force_login(parent)
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND


def test_createsuperuser_makes_an_account_that_may_sign_in(db: None) -> None:
    admin = User.objects.create_superuser("academie.admin", "Rectorat-Demo-2026!")
    assert admin.activated_at is not None and may_sign_in(admin)
