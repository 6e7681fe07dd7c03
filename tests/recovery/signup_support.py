"""Small factories and client steps shared by the self-registration tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.test import Client
from django.urls import reverse

from accounts.models import Establishment, Guardian, Guardianship, Student
from tests.conftest import make_guardian, make_student

NEW_PASSWORD = "Trousse-Verte-2027"
NADIA_MOBILE = "+262692123456"
NADIA_TYPED_MOBILE = "0692 12 34 56"
YANIS_BORN = dt.date(2011, 11, 23)


@dataclass
class Family:
    guardian: Guardian
    children: list[Student]


def legal_link(guardian: Guardian, student: Student, level: int = 1) -> Guardianship:
    return Guardianship.objects.create(
        guardian=guardian, student=student, responsibility_level=level, relationship="mere"
    )


def nadia_family(school: Establishment) -> Family:
    """Nadia Benali, no account yet, Réunion mobile, one child: Yanis, born 23/11/2011."""
    guardian = make_guardian(school, last_name="Benali", first_name="Nadia", mobile=NADIA_MOBILE)
    yanis = make_student(
        school, last_name="Benali", first_name="Yanis", birth_date=YANIS_BORN, class_name="4B"
    )
    legal_link(guardian, yanis)
    return Family(guardian, [yanis])


def start(
    client: Client,
    last_name: str = "Benali",
    first_name: str = "Nadia",
    mobile: str = NADIA_TYPED_MOBILE,
):
    return client.post(
        reverse("recovery:signup"),
        {"last_name": last_name, "first_name": first_name, "mobile": mobile},
    )


def post_code(client: Client, code: str):
    return client.post(reverse("recovery:signup_code"), {"code": code})


def answer(client: Client, answers: dict[Student, tuple[str, str]]):
    """``answers``: child → ("oui" or "non", birth date as typed)."""
    data = {}
    for child, (legal, born) in answers.items():
        data[f"legal_{child.pk}"] = legal
        data[f"birth_date_{child.pk}"] = born
    return client.post(reverse("recovery:signup_children"), data)


def finish(client: Client, password: str = NEW_PASSWORD, noted: bool = True):
    data = {"new_password1": password, "new_password2": password}
    if noted:
        data["identifier_noted"] = "on"
    return client.post(reverse("recovery:signup_password"), data)
