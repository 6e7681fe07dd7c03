"""``manage.py seed_demo``: deterministic, idempotent, and its passwords really work."""

from __future__ import annotations

import re
from http import HTTPStatus
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts import demo
from accounts.models import Establishment, Guardian, Guardianship, StaffMembership, Student, User
from accounts.passwords import validate_new_password
from tests.accounts.enrolment_support import enrol

pytestmark = pytest.mark.django_db

MODELS = [Establishment, Student, Guardian, Guardianship, User, StaffMembership]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", "--allow-production", stdout=out)
    return out.getvalue()


def test_it_refuses_to_run_with_debug_off() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=StringIO())


def test_a_second_run_changes_nothing() -> None:
    first_output = seed()
    counts = {model: model.objects.count() for model in MODELS}
    assert seed() == first_output
    assert {model: model.objects.count() for model in MODELS} == counts


def test_it_covers_the_cases_the_docs_promise() -> None:
    seed()
    assert Establishment.objects.count() == 2
    assert Student.objects.count() >= 8
    dupont = User.objects.get(identifier="patrick.dupont1")
    assert dupont.guardian_records.values("establishment").distinct().count() == 2
    assert Guardian.objects.filter(account__isnull=True, mobile="+262692123456").exists()
    assert User.objects.get(identifier="hugo.dupont1").has_verified_email
    assert not User.objects.get(identifier="emma.nguyen1").has_verified_email
    assert User.objects.get(identifier="jade.moreau1").must_change_password
    assert StaffMembership.objects.values("establishment").distinct().count() == 2
    assert User.objects.filter(is_superuser=True).count() == 1


def test_every_printed_login_works_and_meets_the_policy() -> None:
    output = seed()
    for account in demo.seed_demo():
        assert account.identifier in output
        user = authenticate(username=account.identifier, password=account.password)
        assert user is not None, account.identifier
        validate_new_password(account.password, user)


def test_it_prints_an_invitation_that_lets_each_demo_staff_member_in() -> None:
    output = seed()
    staff = [account for account in demo.seed_demo() if account.is_staff]
    assert {account.identifier for account in staff} >= {"claire.bernard1", "admin.academie1"}
    for account in staff:
        assert f"{account.identifier}" in output and account.invitation in output
        path = re.sub(r"^https?://[^/]+", "", account.invitation)
        client = Client()
        assert len(enrol(client, path, password=account.password)) == 10
        assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert "already enrolled" in seed()
    assert not [account for account in demo.seed_demo() if account.invitation]
