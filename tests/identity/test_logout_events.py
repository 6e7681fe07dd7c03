"""Every event that must log a person out of the services (issue 13), driven through the pages
that cause it: a password reset by SMS, a password change and "end my other sessions" in Mon
compte, and the console closing a family's or a staff member's account (its deactivate
actions, and a superuser unticking "actif" on the account's page). Each time the service
signed in through the portal receives a logout token that authlib validates, and its tokens
die."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http import HTTPStatus
from typing import Any
from unittest import mock

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client as BrowserClient
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import AuditEvent, Establishment, StaffMembership, User
from accounts.roles import ensure_secretariat_group
from identity.backchannel import Reason
from identity.models import BackchannelLogout, Client
from tests.conftest import DEMO_PASSWORD
from tests.identity.conftest import (
    ENT_BACKCHANNEL,
    Answer,
    Flow,
    endpoint,
    signed_in,
    validated_logout_token,
)
from tests.recovery.conftest import (
    NEW_PASSWORD,
    ask_reset,
    last_code,
    post_code,
    post_new_password,
)

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[object]]


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.ADMIN_REQUIRES_OTP = False


@pytest.fixture
def worker(django_capture_on_commit_callbacks: Capture) -> Callable[[], Any]:
    """``with worker() as post: browser.post(...)``: run what the request enqueued, as the
    worker would after the commit, with the services' back-channel URIs answering 200."""

    @contextmanager
    def run() -> Iterator[mock.MagicMock]:
        with (
            mock.patch("identity.delivery.requests.post", return_value=Answer(200)) as post,
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield post

    return run


def console(user: User) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


@pytest.fixture
def academie() -> User:
    return User.objects.create_superuser("admin.academie1", DEMO_PASSWORD)


@pytest.fixture
def secretary(college: Establishment) -> User:
    user = User.objects.create_user("claire.bernard1", DEMO_PASSWORD, kind="staff", is_staff=True)
    StaffMembership.objects.create(
        user=user, establishment=college, role=StaffMembership.Role.SECRETARIAT
    )
    user.groups.add(ensure_secretariat_group())
    return user


def assert_logged_out(post: mock.MagicMock, flow: Flow, subject: str, reason: str) -> None:
    """The service got one logout token for ``subject`` and holds nothing live any more."""
    assert post.call_count == 1
    (url,), kwargs = post.call_args
    assert url == ENT_BACKCHANNEL
    claims = validated_logout_token(flow, kwargs["data"]["logout_token"])
    assert claims["sub"] == subject
    row = BackchannelLogout.objects.get()
    assert (row.reason, row.status) == (reason, BackchannelLogout.Status.SENT)
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.filter(revoked=None).exists()
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED


def test_a_password_reset_by_sms_logs_the_person_out_of_the_services(
    browser: BrowserClient, ent: Client, parent_user: User, worker: Any
) -> None:
    flow, token = signed_in(browser, ent)
    subject = flow.verified_id_token(token)["sub"]
    phone = BrowserClient()
    with worker() as post:
        ask_reset(phone, parent_user.identifier)
    post.assert_not_called()  # asking is not resetting
    assert post_code(phone, last_code())["Location"] == reverse("recovery:forgot_password_new")
    with worker() as post:
        done = post_new_password(phone)
    assert done["Location"] == reverse("recovery:forgot_password_done")
    assert_logged_out(post, flow, subject, Reason.PASSWORD_RESET)


def test_a_password_change_in_mon_compte_logs_the_person_out_of_the_services(
    browser: BrowserClient, ent: Client, worker: Any
) -> None:
    flow, token = signed_in(browser, ent)
    subject = flow.verified_id_token(token)["sub"]
    with worker() as post:
        response = browser.post(
            reverse("myaccount:change_password"),
            {
                "current_password": DEMO_PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
    assert response["Location"] == reverse("myaccount:account")
    assert_logged_out(post, flow, subject, Reason.PASSWORD_CHANGED)


def test_ending_the_other_sessions_in_mon_compte_logs_the_person_out_of_the_services(
    browser: BrowserClient, ent: Client, parent_user: User, worker: Any
) -> None:
    flow, token = signed_in(browser, ent)
    subject = flow.verified_id_token(token)["sub"]
    laptop = console(parent_user)
    with worker() as post:
        response = laptop.post(reverse("myaccount:sessions"))
    assert response["Location"] == reverse("myaccount:sessions")
    assert browser.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert_logged_out(post, flow, subject, Reason.SESSIONS_ENDED)


def test_the_secretariat_deactivating_a_family_account_logs_it_out_of_the_services(
    browser: BrowserClient, ent: Client, parent_user: User, secretary: User, worker: Any
) -> None:
    flow, token = signed_in(browser, ent)
    subject = flow.verified_id_token(token)["sub"]
    with worker() as post:
        console(secretary).post(
            reverse("admin:accounts_user_changelist"),
            {"action": "deactivate", ACTION_CHECKBOX_NAME: [parent_user.pk]},
        )
    parent_user.refresh_from_db()
    assert not parent_user.is_active
    assert_logged_out(post, flow, subject, Reason.ACCOUNT_DEACTIVATED)


def test_the_academie_closing_a_staff_account_logs_it_out_of_the_services(
    ent: Client, secretary: User, academie: User, worker: Any
) -> None:
    flow, token = signed_in(console(secretary), ent)
    subject = flow.verified_id_token(token)["sub"]
    with worker() as post:
        console(academie).post(
            reverse("admin:accounts_staffmember_changelist"),
            {"action": "deactivate", ACTION_CHECKBOX_NAME: [secretary.pk]},
        )
    secretary.refresh_from_db()
    assert not secretary.is_active
    assert_logged_out(post, flow, subject, Reason.ACCOUNT_DEACTIVATED)


def account_form(user: User, **changes: Any) -> dict[str, Any]:
    """The account page's form as a superuser submits it (``console.admin.user.UserAdmin``)."""
    data: dict[str, Any] = {
        "identifier": user.identifier,
        "kind": user.kind,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "must_change_password": "on" if user.must_change_password else "",
        "student": user.student_id or "",
    }
    for name in ("email_verified_at", "activated_at", "date_joined"):
        moment = getattr(user, name)
        data[f"{name}_0"] = moment.date().isoformat() if moment else ""
        data[f"{name}_1"] = moment.time().isoformat(timespec="seconds") if moment else ""
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_a_superuser_unticking_active_on_the_account_page_logs_it_out_of_the_services(
    browser: BrowserClient, ent: Client, parent_user: User, academie: User, worker: Any
) -> None:
    flow, token = signed_in(browser, ent)
    subject = flow.verified_id_token(token)["sub"]
    url = reverse("admin:accounts_user_change", args=[parent_user.pk])
    with worker() as post:
        response = console(academie).post(url, account_form(parent_user, is_active=""))
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    parent_user.refresh_from_db()
    assert not parent_user.is_active
    assert browser.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.ACCOUNT_DEACTIVATED, subject=parent_user, actor=academie
    ).exists()
    assert_logged_out(post, flow, subject, Reason.ACCOUNT_DEACTIVATED)


def test_saving_the_account_page_of_an_active_account_logs_nobody_out(
    browser: BrowserClient, ent: Client, parent_user: User, academie: User, worker: Any
) -> None:
    signed_in(browser, ent)
    url = reverse("admin:accounts_user_change", args=[parent_user.pk])
    with worker() as post:
        response = console(academie).post(url, account_form(parent_user, first_name="Patrice"))
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    post.assert_not_called()
    assert get_access_token_model().objects.exists()
    assert browser.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
