"""Staff need a second factor for the console when ADMIN_REQUIRES_OTP is on."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import STAFF_PASSWORD, seed_demo
from accounts.models import AuditEvent, User

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


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_console_sends_a_password_only_staff_member_to_enrol(secretary: Client) -> None:
    response = secretary.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:two_factor"))
    html = response.content.decode()
    assert "data:image/svg+xml" in html
    assert 'autocomplete="one-time-code"' in html


def test_enrolment_shows_recovery_codes_once_and_opens_the_console(secretary: Client) -> None:
    secretary.get(reverse("accounts:two_factor"))
    user = User.objects.get(identifier="claire.bernard1")
    wrong = secretary.post(reverse("accounts:two_factor"), {"token": "000000"})
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    # django-otp throttles a device for 1 s after a wrong code (doubling each time).
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        response = secretary.post(reverse("accounts:two_factor"), {"token": current_code(user)})
    assert response.status_code == HTTPStatus.OK
    codes = re.findall(r"<code>([a-z0-9]{8})</code>", response.content.decode())
    assert len(codes) == 10
    assert secretary.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert AuditEvent.objects.filter(event_type="two_factor_enrolled", subject=user).exists()


def test_a_later_sign_in_needs_a_code_and_a_recovery_code_works_once(secretary: Client) -> None:
    secretary.get(reverse("accounts:two_factor"))
    user = User.objects.get(identifier="claire.bernard1")
    page = secretary.post(reverse("accounts:two_factor"), {"token": current_code(user)})
    recovery = re.findall(r"<code>([a-z0-9]{8})</code>", page.content.decode())[0]
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
