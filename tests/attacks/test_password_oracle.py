"""The current password asked again in Mon compte is no oracle (issue 16, item 9): its failures
count with the login's, slow down, lock, sign the session out and are journaled; the admin's own
password change is Mon compte's.

And every way of setting a password kills the live reset codes and links (item 7).
"""

from __future__ import annotations

import datetime as dt
import html
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.demo import seed_demo
from accounts.models import AuditEvent, User
from core.ratelimits import IDENTIFIER_POLICY, login_is_locked
from recovery.models import VerificationCode
from tests.attacks.conftest import WRONG_PASSWORD
from tests.conftest import DEMO_PASSWORD
from tests.recovery.conftest import ask_reset, last_code, post_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Trousse-Verte-2027"


def signed_in(user: User) -> Client:
    client = Client()
    client.post(
        reverse("accounts:login"), {"identifier": user.identifier, "password": DEMO_PASSWORD}
    )
    return client


def change(client: Client, current: str, new: str = NEW_PASSWORD):
    return client.post(
        reverse("myaccount:change_password"),
        {"current_password": current, "new_password1": new, "new_password2": new},
    )


def test_wrong_current_passwords_slow_down_like_logins(parent: User) -> None:
    client = signed_in(parent)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        statuses = [change(client, WRONG_PASSWORD).status_code for _ in range(3)]
        early = change(client, DEMO_PASSWORD)
        traveller.shift(dt.timedelta(seconds=2))
        later = change(client, DEMO_PASSWORD)
    assert statuses == [HTTPStatus.BAD_REQUEST] * 3
    assert early.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Patientez 2 secondes" in html.unescape(early.content.decode())
    assert later.status_code == HTTPStatus.FOUND  # the right one, once the delay passed
    assert parent.__class__.objects.get(pk=parent.pk).check_password(NEW_PASSWORD)


def test_they_count_with_the_logins_and_the_lock_signs_the_session_out(parent: User) -> None:
    client = signed_in(parent)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _try in range(IDENTIFIER_POLICY.lock_after // 2):  # half at the login page
            traveller.shift(dt.timedelta(seconds=IDENTIFIER_POLICY.max_delay))
            Client().post(
                reverse("accounts:login"),
                {"identifier": parent.identifier, "password": WRONG_PASSWORD},
            )
        answers = []
        for _try in range(IDENTIFIER_POLICY.lock_after - IDENTIFIER_POLICY.lock_after // 2):
            traveller.shift(dt.timedelta(seconds=IDENTIFIER_POLICY.max_delay))
            answers.append(change(client, WRONG_PASSWORD))
    assert answers[-1].status_code == HTTPStatus.FOUND
    assert answers[-1]["Location"] == reverse("accounts:login")
    assert login_is_locked(identifier=parent.identifier)
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND  # signed out
    journal = AuditEvent.objects.filter(subject=parent)
    assert journal.filter(event_type="current_password_failed").count() == 5
    assert journal.filter(event_type="login_locked").exists()


def test_a_right_current_password_with_a_refused_new_one_costs_no_try(parent: User) -> None:
    client = signed_in(parent)
    for _try in range(5):
        assert change(client, DEMO_PASSWORD, new="court").status_code == HTTPStatus.BAD_REQUEST
    assert change(client, DEMO_PASSWORD).status_code == HTTPStatus.FOUND
    assert not AuditEvent.objects.filter(event_type="current_password_failed").exists()


def test_the_admins_own_password_change_is_mon_comptes(client: Client) -> None:
    seed_demo()
    client.force_login(User.objects.get(identifier="claire.bernard1"))
    for name in ("admin:password_change", "admin:password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("admin:password_change"))["Location"] == reverse(
        "myaccount:change_password"
    )
    form = client.post(reverse("admin:password_change"), {"old_password": WRONG_PASSWORD})
    assert form.status_code == HTTPStatus.FOUND  # nothing checked there


# --- Item 7: every way of setting a password kills the live reset code ---------------------


def _secretary_sets_a_temporary_password(parent: User) -> None:
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    from accounts.models import Establishment, StaffMembership
    from accounts.roles import ensure_secretariat_group

    staff = User.objects.create_user("claire.bernard1", "Secretariat-Demo-2026!", kind="staff")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    staff.groups.add(ensure_secretariat_group())
    school = Establishment.objects.get(uai="0750654D")
    StaffMembership.objects.create(user=staff, establishment=school, role="secretariat")
    console = Client()
    console.force_login(staff)
    response = console.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "set_temporary_password", ACTION_CHECKBOX_NAME: [parent.pk]},
    )
    assert response.status_code == HTTPStatus.OK


def _owner_changes_it_in_mon_compte(parent: User) -> None:
    assert change(signed_in(parent), DEMO_PASSWORD).status_code == HTTPStatus.FOUND


@pytest.mark.parametrize(
    "set_password",
    [_secretary_sets_a_temporary_password, _owner_changes_it_in_mon_compte],
)
def test_a_password_set_elsewhere_kills_the_live_reset_code(
    parent: User, delivered, set_password
) -> None:
    attacker = Client(REMOTE_ADDR="10.0.0.7")
    with delivered():
        ask_reset(attacker, parent.identifier)
    code = last_code()
    with delivered():
        set_password(parent)
    assert not VerificationCode.objects.filter(user=parent, consumed_at=None).exists()
    response = post_code(attacker, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST  # used or replaced: no password step
    assert "déjà servi" in html.unescape(response.content.decode())
