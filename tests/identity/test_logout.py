"""Logging out: RP-initiated logout back to a registered address only, and back-channel logout
tokens (OpenID Connect Back-Channel Logout 1.0) for every service the person is signed into,
validated by authlib."""

from __future__ import annotations

import html
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.test import Client as BrowserClient
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import User
from identity.backchannel import Reason, logout_everywhere
from identity.delivery import BackchannelUnavailable, deliver
from identity.models import BackchannelLogout, Client
from identity.tasks import requeue_stuck_logouts
from tests.identity.conftest import (
    ENT_BACKCHANNEL,
    ENT_LOGOUT,
    Answer,
    endpoint,
    make_client,
    make_flow,
    signed_in,
    validated_logout_token,
)

pytestmark = pytest.mark.django_db


def test_logging_out_everywhere_tells_each_signed_in_service_and_kills_its_tokens(
    browser: BrowserClient, ent: Client, django_capture_on_commit_callbacks: Any
) -> None:
    flow, token = signed_in(browser, ent)
    id_claims = flow.verified_id_token(token)
    user = User.objects.get()
    with (
        mock.patch("identity.delivery.requests.post", return_value=Answer(200)) as post,
        django_capture_on_commit_callbacks(execute=True),
    ):
        told = logout_everywhere(user, Reason.PASSWORD_RESET)
    assert told == 1
    (url,), kwargs = post.call_args
    assert url == ENT_BACKCHANNEL
    claims = validated_logout_token(flow, kwargs["data"]["logout_token"])
    assert claims["sub"] == id_claims["sub"]
    assert BackchannelLogout.objects.get().status == BackchannelLogout.Status.SENT
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.filter(revoked=None).exists()
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED


def test_a_service_without_tokens_or_without_a_backchannel_uri_is_not_told(
    browser: BrowserClient, ent: Client, parent_user: User
) -> None:
    quiet = make_client(name="Sans déconnexion", backchannel_logout_uri="", client_secret="s" * 40)
    make_client(name="Jamais utilisé", sector_identifier="autre.exemple.fr")
    quiet_flow = make_flow(quiet, browser, secret="s" * 40)
    quiet_flow.fetch_token(quiet_flow.authorize())
    assert logout_everywhere(parent_user, Reason.LOGOUT) == 0


def test_the_portal_logout_sends_the_logout_token(
    browser: BrowserClient, ent: Client, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in(browser, ent)
    with (
        mock.patch("identity.delivery.requests.post", return_value=Answer(200)) as post,
        django_capture_on_commit_callbacks(execute=True),
    ):
        browser.post(reverse("accounts:logout"))
    assert post.call_count == 1


def test_a_service_that_is_down_is_retried_then_marked_failed(
    browser: BrowserClient, ent: Client, parent_user: User
) -> None:
    signed_in(browser, ent)
    with mock.patch("identity.tasks.send_backchannel_logout.delay_on_commit"):
        logout_everywhere(parent_user, Reason.ACCOUNT_DEACTIVATED)
    row = BackchannelLogout.objects.get()
    with mock.patch("identity.delivery.requests.post", return_value=Answer(503)):
        with pytest.raises(BackchannelUnavailable):
            deliver(row.pk, final_attempt=False)
        row.refresh_from_db()
        assert row.status == BackchannelLogout.Status.QUEUED and row.attempts == 1
        deliver(row.pk, final_attempt=True)
    row.refresh_from_db()
    assert row.status == BackchannelLogout.Status.FAILED and row.last_error == "HTTP 503"
    with mock.patch("identity.delivery.requests.post") as post:
        deliver(row.pk, final_attempt=False)
    post.assert_not_called()


def test_a_service_refusing_the_token_is_not_retried(
    browser: BrowserClient, ent: Client, parent_user: User
) -> None:
    signed_in(browser, ent)
    with mock.patch("identity.tasks.send_backchannel_logout.delay_on_commit"):
        logout_everywhere(parent_user, Reason.LOGOUT)
    row = BackchannelLogout.objects.get()
    with mock.patch("identity.delivery.requests.post", return_value=Answer(400)):
        deliver(row.pk, final_attempt=False)
    row.refresh_from_db()
    assert row.status == BackchannelLogout.Status.FAILED


def test_a_logout_whose_task_was_lost_is_sent_by_beat_once(
    browser: BrowserClient,
    ent: Client,
    parent_user: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    signed_in(browser, ent)
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the task
        logout_everywhere(parent_user, Reason.PASSWORD_CHANGED)
    assert requeue_stuck_logouts() == 0  # not stuck yet: its task may be in the queue
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS + 1)
    with (
        time_machine.travel(later),
        mock.patch("identity.delivery.requests.post", return_value=Answer(200)) as post,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert requeue_stuck_logouts() == 1
        assert requeue_stuck_logouts() == 0
    assert post.call_count == 1
    assert BackchannelLogout.objects.get().status == BackchannelLogout.Status.SENT


def test_a_logout_never_delivered_is_given_up_after_the_give_up_age(
    browser: BrowserClient,
    ent: Client,
    parent_user: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    signed_in(browser, ent)
    with django_capture_on_commit_callbacks(execute=False):
        logout_everywhere(parent_user, Reason.LOGOUT)
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_GIVE_UP_AFTER_SECONDS + 1)
    with time_machine.travel(later), mock.patch("identity.delivery.requests.post") as post:
        assert requeue_stuck_logouts() == 0
    post.assert_not_called()
    assert BackchannelLogout.objects.get().status == BackchannelLogout.Status.FAILED


def test_rp_initiated_logout_returns_to_a_registered_address_with_the_state(
    browser: BrowserClient, ent: Client
) -> None:
    _flow, token = signed_in(browser, ent)
    with mock.patch("identity.delivery.requests.post", return_value=Answer(200)):
        response = browser.get(
            reverse("oauth2_provider:rp-initiated-logout"),
            {
                "id_token_hint": token["id_token"],
                "post_logout_redirect_uri": ENT_LOGOUT,
                "state": "au-revoir",
            },
        )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == ENT_LOGOUT + "?state=au-revoir"
    assert browser.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert not get_access_token_model().objects.exists()


def test_rp_initiated_logout_never_redirects_to_an_unregistered_address(
    browser: BrowserClient, ent: Client
) -> None:
    _flow, token = signed_in(browser, ent)
    response = browser.get(
        reverse("oauth2_provider:rp-initiated-logout"),
        {"id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://pirate.exemple/"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "après la déconnexion n'est pas enregistrée" in html.unescape(response.content.decode())
    assert browser.get(reverse("myaccount:account")).status_code == HTTPStatus.OK


def test_rp_initiated_logout_of_an_unknown_client_is_a_french_page(
    browser: BrowserClient,
) -> None:
    response = browser.get(
        reverse("oauth2_provider:rp-initiated-logout"),
        {"client_id": "inconnu", "post_logout_redirect_uri": ENT_LOGOUT},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "déconnexion de ce service n'est pas valable" in html.unescape(response.content.decode())


def test_without_a_hint_the_person_is_asked_before_logging_out(
    browser: BrowserClient, ent: Client
) -> None:
    page = browser.get(reverse("oauth2_provider:rp-initiated-logout"))
    assert page.status_code == HTTPStatus.OK
    assert "Me déconnecter" in page.content.decode()
