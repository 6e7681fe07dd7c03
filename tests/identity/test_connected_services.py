"""Mon compte › Services connectés: the services used, with the date, and withdrawing access."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse
from oauth2_provider.models import get_access_token_model

from accounts.events import EventType
from accounts.models import AuditEvent
from identity.models import Client, Consent
from tests.identity.conftest import endpoint, make_flow

pytestmark = pytest.mark.django_db


def test_it_lists_the_services_used_with_the_date(browser: BrowserClient, ent: Client) -> None:
    flow = make_flow(ent, browser)
    flow.fetch_token(flow.authorize())
    page = browser.get(reverse("identity:connected_services"))
    assert page.status_code == HTTPStatus.OK
    html = page.content.decode()
    assert "ENT du collège" in html and "Dernière utilisation" in html
    assert AuditEvent.objects.filter(event_type=EventType.OIDC_CONSENT_GRANTED).count() == 1


def test_withdrawing_access_revokes_the_tokens_and_asks_consent_again(
    browser: BrowserClient, ent: Client
) -> None:
    flow = make_flow(ent, browser)
    flow.fetch_token(flow.authorize())
    response = browser.post(reverse("identity:connected_services"), {"client": ent.pk})
    assert response.status_code == HTTPStatus.FOUND
    assert not Consent.objects.exists()
    assert not get_access_token_model().objects.exists()
    assert flow.session.get(endpoint("/oidc/infos/")).status_code == HTTPStatus.UNAUTHORIZED
    again = browser.get(flow.authorization_url()[len(endpoint("")) :])
    assert again.status_code == HTTPStatus.OK and b'name="allow"' in again.content
    assert AuditEvent.objects.filter(event_type=EventType.OIDC_CONSENT_WITHDRAWN).count() == 1


def test_one_cannot_withdraw_someone_elses_consent_or_post_garbage(
    browser: BrowserClient, ent: Client
) -> None:
    assert browser.post(reverse("identity:connected_services"), {"client": "x"}).status_code == (
        HTTPStatus.BAD_REQUEST
    )
    for garbage in ("9" * 30, "²", "١٢", "1²"):  # digits to str.isdigit(), not to int()
        answer = browser.post(reverse("identity:connected_services"), {"client": garbage})
        assert answer.status_code == HTTPStatus.BAD_REQUEST, garbage
    response = browser.post(reverse("identity:connected_services"), {"client": ent.pk})
    assert response.status_code == HTTPStatus.FOUND


def test_the_page_needs_a_login(client: BrowserClient) -> None:
    response = client.get(reverse("identity:connected_services"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("accounts:login"))
