"""A parent sent by a school service to the portal's login page, who has lost the password,
resets it and logs in: they land back where the service sent them, not in Mon compte."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.recovery.conftest import (
    NEW_PASSWORD,
    ask_reset,
    last_code,
    post_code,
    post_new_password,
    text,
)

pytestmark = pytest.mark.django_db

# Where a service's login sent the person (the identity provider's authorization request).
BACK = "/oidc/autorisation/?client_id=ent-du-college&response_type=code&scope=openid"


def test_a_reset_started_from_a_services_login_page_leads_back_to_the_service(
    client: Client, parent: User, delivered
) -> None:  # type: ignore[no-untyped-def]
    login_page = text(client.get(reverse("accounts:login") + f"?next={quote(BACK)}"))
    forgot = reverse("recovery:forgot_password")
    assert f'href="{forgot}?next={quote(BACK, safe="")}' in login_page

    client.get(f"{forgot}?next={quote(BACK)}")
    with delivered():
        ask_reset(client, parent.identifier)
    post_code(client, last_code())
    with delivered():
        post_new_password(client)
    done = text(client.get(reverse("recovery:forgot_password_done")))
    assert f'href="{reverse("accounts:login")}?next={quote(BACK, safe="")}"' in done

    response = client.post(
        reverse("accounts:login"), {"identifier": parent.identifier, "password": NEW_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == BACK


def test_an_off_site_way_back_is_never_kept(client: Client, parent: User, delivered) -> None:  # type: ignore[no-untyped-def]
    client.get(reverse("recovery:forgot_password") + "?next=https://evil.example/")
    with delivered():
        ask_reset(client, parent.identifier)
    post_code(client, last_code())
    with delivered():
        post_new_password(client)
    response = client.post(
        reverse("accounts:login"), {"identifier": parent.identifier, "password": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("myaccount:account")
