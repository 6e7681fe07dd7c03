"""A staff member's way into the console: the invitation link, and nothing else (issue 16)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import ADMIN_PASSWORD, STAFF_PASSWORD, seed_demo
from accounts.models import AuditEvent, StaffInvitation, StaffMembership, User
from accounts.services import user_email_set
from accounts.session_store import SessionStore
from accounts.twofactor.invitations import INVITATION_LIFETIME
from console.enrolment.flow import CodeIncorrect, NoInvitationOpened, StaffEnrolmentFlow
from console.staff import staff_member_create
from core.http import RequestFacts
from tests.accounts.enrolment_support import (
    NEW_STAFF_PASSWORD,
    code_for,
    enrol,
    invitation_path,
    pass_password_step,
    shown_key,
)

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[object]]  # pytest-django's on-commit capture
FACTS = RequestFacts(ip_address="203.0.113.9", user_agent="test")


@pytest.fixture(autouse=True)
def _otp_required(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ADMIN_REQUIRES_OTP = True


@pytest.fixture
def demo() -> None:
    seed_demo()


@pytest.fixture
def newcomer(demo: None, django_capture_on_commit_callbacks: Capture) -> tuple[User, str]:
    """A secretary the académie has just created: no password yet, an e-mailed invitation."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = staff_member_create(
            actor=User.objects.get(identifier="admin.academie1"),
            first_name="Anne",
            last_name="Lambert",
            email="anne.lambert@exemple.fr",
            establishments=[
                StaffMembership.objects.get(user__identifier="claire.bernard1").establishment
            ],
            role=StaffMembership.Role.SECRETARIAT,
            facts=FACTS,
        )
    return sent.member, sent.link


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_it_opens_the_console_to_a_new_staff_member_through_the_invitation(
    client: Client, newcomer: tuple[User, str]
) -> None:
    member, link = newcomer
    assert not member.has_usable_password()
    codes = enrol(client, path_of(link))
    assert len(codes) == 10
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    member.refresh_from_db()
    assert member.check_password(NEW_STAFF_PASSWORD)
    assert member.activated_at is not None
    signed_in = Client()
    signed_in.post(
        reverse("accounts:login"),
        {"identifier": member.identifier, "password": NEW_STAFF_PASSWORD},
    )
    assert signed_in.get(reverse("admin:index")).status_code == HTTPStatus.FOUND


def test_it_moves_the_token_out_of_the_address(client: Client, newcomer: tuple[User, str]) -> None:
    member, link = newcomer
    token = path_of(link).rstrip("/").rsplit("/", 1)[-1]
    response = client.get(path_of(link))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("console:invitation")
    page = client.get(response["Location"])
    assert page.status_code == HTTPStatus.OK
    assert token not in page.content.decode()
    assert member.identifier in page.content.decode()
    assert not StaffInvitation.objects.filter(token_hash=token).exists()  # only its hash


def test_it_uses_an_invitation_once(client: Client, newcomer: tuple[User, str]) -> None:
    _member, link = newcomer
    enrol(client, path_of(link))
    again = Client()
    again.get(path_of(link))
    response = again.get(reverse("console:invitation"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ne fonctionne plus" in response.content.decode()
    assert TOTPDevice.objects.filter(user__identifier="anne.lambert1").count() == 1


def test_it_refuses_an_expired_invitation(client: Client, newcomer: tuple[User, str]) -> None:
    _member, link = newcomer
    later = timezone.now() + INVITATION_LIFETIME + timedelta(minutes=1)
    with time_machine.travel(later):
        client.get(path_of(link))
        response = client.get(reverse("console:invitation"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "72 heures" in response.content.decode()


def test_it_still_accepts_an_invitation_just_before_it_expires(
    client: Client, newcomer: tuple[User, str]
) -> None:
    _member, link = newcomer
    with time_machine.travel(timezone.now() + INVITATION_LIFETIME - timedelta(minutes=5)):
        assert len(enrol(client, path_of(link))) == 10


def test_it_refuses_a_wrong_token(client: Client, newcomer: tuple[User, str]) -> None:
    _member, link = newcomer
    forged = path_of(link)[:-5] + "AAAA/"
    client.get(forged)
    response = client.get(reverse("console:invitation"))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert client.get(reverse("console:invitation_enrol")).status_code == HTTPStatus.BAD_REQUEST
    assert not TOTPDevice.objects.exists()


def test_a_newer_invitation_replaces_the_older(client: Client, newcomer: tuple[User, str]) -> None:
    member, link = newcomer
    newer = invitation_path(member)
    client.get(path_of(link))
    assert client.get(reverse("console:invitation")).status_code == HTTPStatus.BAD_REQUEST
    assert len(enrol(Client(), newer)) == 10


def test_an_invitation_dies_when_the_address_changes(
    client: Client, newcomer: tuple[User, str]
) -> None:
    member, link = newcomer
    user_email_set(user=member, email="autre@exemple.fr", verified=False)
    client.get(path_of(link))
    assert client.get(reverse("console:invitation")).status_code == HTTPStatus.BAD_REQUEST


def test_a_staff_member_without_an_invitation_cannot_enrol(client: Client, demo: None) -> None:
    client.post(
        reverse("accounts:login"), {"identifier": "claire.bernard1", "password": STAFF_PASSWORD}
    )
    refusal = client.get(reverse("accounts:two_factor"))
    assert refusal.status_code == HTTPStatus.FORBIDDEN
    assert "Demandez une nouvelle invitation" in refusal.content.decode()
    for name in ("console:invitation", "console:invitation_enrol"):
        assert client.get(reverse(name)).status_code == HTTPStatus.BAD_REQUEST
        assert client.post(reverse(name), {"token": "123456"}).status_code == 400
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND


def test_it_keeps_the_secret_in_the_session_until_a_code_confirms_it(
    client: Client, newcomer: tuple[User, str]
) -> None:
    member, link = newcomer
    client.get(path_of(link))
    pass_password_step(client)
    page = client.get(reverse("console:invitation_enrol")).content.decode()
    key = shown_key(page)
    assert not TOTPDevice.objects.filter(confirmed=False).exists()
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert client.post(reverse("console:invitation_enrol"), {"token": "000000"}).status_code == 400
    assert not TOTPDevice.objects.exists()
    reloaded = client.get(reverse("console:invitation_enrol")).content.decode()
    assert shown_key(reloaded) == key  # the QR code already scanned still works
    client.post(reverse("console:invitation_enrol"), {"token": code_for(key)})
    device = TOTPDevice.objects.get(user=member)
    assert device.confirmed and device.bin_key == key


def test_two_visitors_of_one_link_get_different_secrets(newcomer: tuple[User, str]) -> None:
    _member, link = newcomer
    keys = []
    for _visitor in range(2):
        browser = Client()
        browser.get(path_of(link))
        pass_password_step(browser)
        keys.append(shown_key(browser.get(reverse("console:invitation_enrol")).content.decode()))
    assert keys[0] != keys[1]
    assert not TOTPDevice.objects.exists()


def test_each_opening_of_the_link_draws_a_new_secret(client: Client, demo: None) -> None:
    user = User.objects.get(identifier="claire.bernard1")
    link = invitation_path(user)
    keys = []
    for _attempt in range(2):
        client.get(link)
        pass_password_step(client, password=STAFF_PASSWORD)
        keys.append(shown_key(client.get(reverse("console:invitation_enrol")).content.decode()))
    assert keys[0] != keys[1]


def test_the_enrolment_is_audited_and_told_to_the_owner(
    client: Client, newcomer: tuple[User, str], django_capture_on_commit_callbacks: Capture
) -> None:
    member, link = newcomer
    invitation_mail = mail.outbox[-1]
    assert invitation_mail.to == ["anne.lambert@exemple.fr"]
    assert link in invitation_mail.body and member.identifier in invitation_mail.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enrol(client, path_of(link))
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_ENROLLED)
    assert event.subject == member and event.actor == member
    assert [m.to for m in mail.outbox] == [["anne.lambert@exemple.fr"]]
    assert "Double authentification activée" in mail.outbox[0].subject
    assert "prévenez immédiatement l'académie" in mail.outbox[0].body


def test_an_account_with_a_password_must_prove_it(client: Client, demo: None) -> None:
    user = User.objects.get(identifier="claire.bernard1")
    client.get(invitation_path(user))
    page = client.get(reverse("console:invitation")).content.decode()
    assert 'name="password"' in page and 'name="new_password1"' not in page
    wrong = client.post(reverse("console:invitation"), {"password": "Pas-Le-Bon-2026"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert "Mot de passe incorrect" in wrong.content.decode()
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.LOGIN_FAILED, subject=user, details__via="staff_invitation"
    ).exists()
    assert client.get(reverse("console:invitation_enrol"))["Location"] == reverse(
        "console:invitation"
    )
    assert len(enrol(client, invitation_path(user), password=STAFF_PASSWORD)) == 10


def test_wrong_current_passwords_slow_down_as_on_the_login_page(client: Client, demo: None) -> None:
    client.get(invitation_path(User.objects.get(identifier="claire.bernard1")))
    for _try in range(3):
        client.post(reverse("console:invitation"), {"password": "Pas-Le-Bon-2026"})
    slowed = client.post(reverse("console:invitation"), {"password": STAFF_PASSWORD})
    assert slowed.status_code == HTTPStatus.BAD_REQUEST
    assert "Patientez" in slowed.content.decode()
    login = Client().post(
        reverse("accounts:login"), {"identifier": "claire.bernard1", "password": STAFF_PASSWORD}
    )
    assert login.status_code == HTTPStatus.TOO_MANY_REQUESTS  # one count for both pages


def test_it_says_so_when_another_account_is_signed_in(
    client: Client, newcomer: tuple[User, str]
) -> None:
    _member, link = newcomer
    client.post(
        reverse("accounts:login"), {"identifier": "claire.bernard1", "password": STAFF_PASSWORD}
    )
    client.get(path_of(link))
    response = client.get(reverse("console:invitation"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "claire.bernard1" in response.content.decode()
    assert "autre compte" in response.content.decode()


def test_the_superuser_too_needs_an_invitation(client: Client, demo: None) -> None:
    admin = User.objects.get(identifier="admin.academie1")
    client.post(
        reverse("accounts:login"), {"identifier": admin.identifier, "password": ADMIN_PASSWORD}
    )
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
    assert client.get(reverse("accounts:two_factor")).status_code == HTTPStatus.FORBIDDEN
    assert not TOTPDevice.objects.filter(user=admin).exists()
    enrol(client, invitation_path(admin), password=ADMIN_PASSWORD)
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK


def test_a_deactivated_staff_member_cannot_use_their_invitation(
    client: Client, newcomer: tuple[User, str]
) -> None:
    member, link = newcomer
    User.objects.filter(pk=member.pk).update(is_active=False)
    client.get(path_of(link))
    assert client.get(reverse("console:invitation")).status_code == HTTPStatus.BAD_REQUEST


def test_the_journey_refuses_a_step_it_has_not_reached(newcomer: tuple[User, str]) -> None:
    """Driven without HTTP: a session that never opened a link can do nothing."""
    flow = StaffEnrolmentFlow(SessionStore())
    with pytest.raises(NoInvitationOpened):
        flow.pending()
    with pytest.raises(NoInvitationOpened):
        flow.password_choose(new_password=NEW_STAFF_PASSWORD, facts=FACTS)
    assert not TOTPDevice.objects.exists()


def test_the_journey_enrols_once_without_http(newcomer: tuple[User, str]) -> None:
    member, link = newcomer
    flow = StaffEnrolmentFlow(SessionStore())
    flow.open_link(path_of(link).rstrip("/").rsplit("/", 1)[-1])
    flow.password_choose(new_password=NEW_STAFF_PASSWORD, facts=FACTS)
    user, shown = flow.pending()
    assert user == member
    typed = shown["key"].replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))
    with pytest.raises(CodeIncorrect):
        flow.finish(token="000000", facts=FACTS)
    enrolled = flow.finish(token=code_for(key), facts=FACTS)
    assert enrolled.device.confirmed and len(enrolled.recovery_codes) == 10
    with pytest.raises(NoInvitationOpened):
        flow.finish(token=code_for(key), facts=FACTS)
    assert StaffInvitation.objects.get(user=member).consumed_at is not None
