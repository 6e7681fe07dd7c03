"""Staff need a second factor for the console when ADMIN_REQUIRES_OTP is on; they enrol it only
through an invitation, never by logging in (issue 16)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import STAFF_PASSWORD, seed_demo
from accounts.models import AuditEvent, User
from accounts.twofactor import views as two_factor_views
from tests.accounts.enrolment_support import (
    code_for,
    enrol,
    invitation_path,
    pass_password_step,
    recovery_codes,
    shown_key,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _otp_required(settings) -> None:
    settings.ADMIN_REQUIRES_OTP = True


@pytest.fixture
def secretary(client: Client) -> Client:
    seed_demo()
    response = client.post(
        reverse("accounts:login"), {"identifier": "claire.bernard1", "password": STAFF_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    return client


def claire() -> User:
    return User.objects.get(identifier="claire.bernard1")


def test_it_sends_a_password_only_staff_member_to_their_invitation(secretary: Client) -> None:
    response = secretary.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    html = response.content.decode()
    assert "invitation" in html
    assert "data:image/svg+xml" not in html  # no QR code, no secret: nothing to enrol here
    assert not TOTPDevice.objects.exists()


def test_it_never_enrols_on_a_posted_code_without_an_invitation(secretary: Client) -> None:
    response = secretary.post(reverse("accounts:two_factor"), {"token": "123456"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()
    assert secretary.get(reverse("admin:index")).status_code == HTTPStatus.FOUND


def test_enrolment_shows_recovery_codes_once_and_opens_the_console(secretary: Client) -> None:
    secretary.get(invitation_path(claire()))
    pass_password_step(secretary, password=STAFF_PASSWORD)
    page = secretary.get(reverse("console:invitation_enrol")).content.decode()
    wrong = secretary.post(reverse("console:invitation_enrol"), {"token": "000000"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    response = secretary.post(
        reverse("console:invitation_enrol"), {"token": code_for(shown_key(page))}
    )
    assert response.status_code == HTTPStatus.OK
    assert len(recovery_codes(response.content.decode())) == 10
    assert secretary.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert AuditEvent.objects.filter(event_type="two_factor_enrolled", subject=claire()).exists()


def test_a_later_sign_in_needs_a_code_and_a_recovery_code_works_once(secretary: Client) -> None:
    user = claire()
    recovery = enrol(secretary, invitation_path(user), password=STAFF_PASSWORD)[0]
    for attempt in range(2):
        fresh = Client()
        fresh.post(
            reverse("accounts:login"), {"identifier": user.identifier, "password": STAFF_PASSWORD}
        )
        assert fresh.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
        response = fresh.post(
            reverse("accounts:two_factor"), {"token": recovery, "next": "/admin/"}
        )
        if attempt == 0:
            assert response["Location"] == "/admin/"
            assert fresh.get(reverse("admin:index")).status_code == HTTPStatus.OK
        else:
            assert response.status_code == HTTPStatus.BAD_REQUEST


def test_families_cannot_reach_the_two_factor_page(client: Client, parent: User) -> None:
    client.force_login(parent)
    assert client.get(reverse("accounts:two_factor")).status_code == HTTPStatus.FORBIDDEN


def test_without_the_requirement_the_console_opens_on_password(settings, secretary) -> None:
    settings.ADMIN_REQUIRES_OTP = False
    assert secretary.get(reverse("admin:index")).status_code == HTTPStatus.OK


def test_wrong_codes_are_counted_per_staff_member_before_they_are_compared(
    secretary: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten wrong codes in 15 minutes, from any number of browsers, then the code is not even
    compared: parallel posts cannot each read a count that has not moved yet."""
    user = claire()
    enrol(secretary, invitation_path(user), password=STAFF_PASSWORD)
    compared: list[str] = []
    real_verify = two_factor_views.twofactor.verify

    def counting(**arguments: object) -> object:
        compared.append(str(arguments["token"]))
        return real_verify(**arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(two_factor_views.twofactor, "verify", counting)
    answers = []
    for attempt in range(12):
        browser = Client()  # a new browser each time: the count is the staff member's
        browser.post(
            reverse("accounts:login"), {"identifier": user.identifier, "password": STAFF_PASSWORD}
        )
        answers.append(browser.post(reverse("accounts:two_factor"), {"token": f"{attempt:06d}"}))
    assert [a.status_code for a in answers[:10]] == [HTTPStatus.BAD_REQUEST] * 10
    assert [a.status_code for a in answers[10:]] == [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert len(compared) == 10
    assert "Trop de codes incorrects" in answers[-1].content.decode()
