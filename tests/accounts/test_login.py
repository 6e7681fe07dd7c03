"""Logging in at /connexion/ and out at /deconnexion/, as a parent would."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, User
from tests.conftest import DEMO_PASSWORD
from tests.helpers import comparable_page

pytestmark = pytest.mark.django_db


def post_login(client: Client, identifier: str, password: str, **extra: str):
    return client.post(
        reverse("accounts:login"), {"identifier": identifier, "password": password, **extra}
    )


def test_the_login_page_is_public_and_french(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'lang="fr"' in html
    assert 'autocomplete="username webauthn"' in html
    assert 'autocomplete="current-password"' in html


def test_a_parent_logs_in_and_lands_on_their_account(client: Client, parent: User) -> None:
    response = post_login(client, parent.identifier, DEMO_PASSWORD)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("myaccount:account")
    page = client.get(reverse("myaccount:account"))
    assert page.status_code == HTTPStatus.OK
    assert "Léa Dupont" in page.content.decode()
    assert "06 •• •• •• 78" in page.content.decode()


def test_the_identifier_is_not_case_sensitive(client: Client, parent: User) -> None:
    response = post_login(client, "  Patrick.DUPONT1 ", DEMO_PASSWORD)
    assert response.status_code == HTTPStatus.FOUND


def test_a_wrong_password_and_an_unknown_identifier_look_the_same(
    client: Client, parent: User
) -> None:
    wrong_password = post_login(client, parent.identifier, "Pas-Le-Bon-2026")
    unknown = post_login(client, "personne.inconnue1", "Pas-Le-Bon-2026")
    assert wrong_password.status_code == unknown.status_code == HTTPStatus.BAD_REQUEST
    assert "Identifiant ou mot de passe incorrect" in wrong_password.content.decode()
    assert comparable_page(wrong_password.content.decode()).replace(
        parent.identifier, "X"
    ) == comparable_page(unknown.content.decode()).replace("personne.inconnue1", "X")


def test_a_deactivated_account_cannot_log_in_and_is_not_revealed(
    client: Client, parent: User
) -> None:
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    response = post_login(client, parent.identifier, DEMO_PASSWORD)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()


def test_every_success_and_failure_is_audited(client: Client, parent: User) -> None:
    post_login(client, parent.identifier, "Pas-Le-Bon-2026")
    post_login(client, parent.identifier, DEMO_PASSWORD)
    events = list(AuditEvent.objects.order_by("created_at", "pk"))
    assert [e.event_type for e in events] == ["login_failed", "login_succeeded"]
    assert events[1].subject == parent
    assert events[1].ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    "payload",
    [
        {"identifier": "", "password": ""},
        {"identifier": "x" * 5000, "password": "y"},
        {"identifier": "\x00\u202e\u200b", "password": "é" * 300},
        {"identifier": "ｐａｔｒｉｃｋ.ｄｕｐｏｎｔ1", "password": "🙂" * 20},
    ],
)
def test_odd_input_gets_a_clear_400_never_a_500(client: Client, payload: dict[str, str]) -> None:
    response = client.post(reverse("accounts:login"), payload)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "fr-" in response.content.decode()


def test_an_offsite_next_is_ignored(client: Client, parent: User) -> None:
    url = reverse("accounts:login") + "?next=https://evil.example/"
    response = client.post(
        url, {"identifier": parent.identifier, "password": DEMO_PASSWORD, "next": "//evil.example"}
    )
    assert response["Location"] == reverse("myaccount:account")


def test_a_local_next_is_followed(client: Client, parent: User) -> None:
    response = post_login(client, parent.identifier, DEMO_PASSWORD, next="/mon-compte/?onglet=1")
    assert response["Location"] == "/mon-compte/?onglet=1"


def test_a_post_without_csrf_token_is_refused_in_french(parent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, parent.identifier, DEMO_PASSWORD)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "session a expiré" in response.content.decode()


def test_the_account_page_requires_login(client: Client) -> None:
    response = client.get(reverse("myaccount:account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("accounts:login"))


def test_logout_needs_a_post_and_ends_the_session(client: Client, parent: User) -> None:
    client.force_login(parent)
    assert client.get(reverse("accounts:logout")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(event_type="logout", subject=parent).exists()


def test_the_session_is_renewed_at_login(client: Client, parent: User) -> None:
    client.get(reverse("accounts:login"))
    client.session["probe"] = 1
    before = client.session.session_key
    post_login(client, parent.identifier, DEMO_PASSWORD)
    assert client.session.session_key != before


def test_a_nul_byte_in_the_identifier_is_refused_and_audited_safely(
    client: Client, parent: User
) -> None:
    response = post_login(client, "patrick\x00.dupont1", "x")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    event = AuditEvent.objects.get(event_type="login_failed")
    assert event.details["identifier"] == "patrick.dupont1"


def test_the_journal_keeps_no_identifier_that_is_no_account(client: Client, parent: User) -> None:
    for typed in ("Cartable-Bleu-2026", "patrick.dupont2", "personne.inconnue1"):
        post_login(client, typed, "x")
    assert [event.details for event in AuditEvent.objects.filter(event_type="login_failed")] == [
        {},
        {},
        {},
    ]
