"""FranceConnect in Mon compte (shown, unlinked only when another way in remains), off when
not configured, and the link moving when two accounts merge."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.merging import movers
from accounts.models import AuditEvent
from franceconnect import services
from franceconnect.models import FranceConnectLink
from franceconnect.services import LinkMover, may_unlink
from notifications.models import Notification
from passkeys.models import PasskeyCredential
from tests.conftest import make_guardian, make_parent_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings) -> None:
    settings.FRANCECONNECT_ISSUER = "http://127.0.0.1:9/api/v2"
    settings.FRANCECONNECT_CLIENT_ID = "portail"
    settings.FRANCECONNECT_CLIENT_SECRET = "secret"


def test_nothing_about_franceconnect_is_shown_or_served_when_unconfigured(client, settings) -> None:
    settings.FRANCECONNECT_ISSUER = ""
    for name in ("accounts:login", "recovery:signup"):
        assert "FranceConnect" not in client.get(reverse(name)).content.decode()
    for name in ("franceconnect:start", "franceconnect:callback", "franceconnect:no_match"):
        assert client.get(reverse(name)).status_code == HTTPStatus.NOT_FOUND


def test_the_button_is_on_the_login_and_registration_pages(client, configured) -> None:
    for name in ("accounts:login", "recovery:signup"):
        page = client.get(reverse(name), {"next": "/autorisation/?x=1"}).content.decode()
        assert 'class="fr-connect"' in page
        assert "FranceConnect" in page and "Qu’est-ce que FranceConnect ?" in page
        assert f"{reverse('franceconnect:start')}?next=%2Fautorisation%2F%3Fx%3D1" in page


def test_mon_compte_shows_the_link_and_unlinks_it_when_a_password_remains(
    client, configured, college, django_capture_on_commit_callbacks
) -> None:
    parent = make_parent_account(make_guardian(college))
    FranceConnectLink.objects.create(user=parent, sub="abc")
    client.force_login(parent)
    page = client.get(reverse("myaccount:account")).content.decode()
    assert "Connecté avec FranceConnect" in page and "Délier FranceConnect" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("franceconnect:unlink"))
    assert response["Location"] == reverse("myaccount:account")
    assert not FranceConnectLink.objects.exists()
    assert AuditEvent.objects.filter(
        subject=parent, event_type=AuditEvent.Type.FRANCECONNECT_UNLINKED
    ).exists()
    assert Notification.objects.filter(template="franceconnect_unlinked", user=parent).exists()


def test_franceconnect_cannot_be_unlinked_from_an_account_with_no_other_way_in(
    client, configured, college
) -> None:
    parent = make_parent_account(make_guardian(college))
    parent.set_unusable_password()
    parent.save(update_fields=["password"])
    FranceConnectLink.objects.create(user=parent, sub="abc")
    assert not may_unlink(parent)
    client.force_login(parent)
    page = client.get(reverse("myaccount:account")).content.decode()
    assert "Délier FranceConnect" not in page and "seul moyen de connexion" in page
    client.post(reverse("franceconnect:unlink"))
    assert FranceConnectLink.objects.filter(user=parent).exists()


def test_another_way_in_can_be_registered(college, monkeypatch) -> None:
    parent = make_parent_account(make_guardian(college))
    parent.set_unusable_password()
    monkeypatch.setattr(services, "_OTHER_WAYS_IN", list(services._OTHER_WAYS_IN))
    assert not may_unlink(parent)
    services.register_other_way_in(lambda user: user.pk == parent.pk)  # e.g. a passkey
    assert may_unlink(parent)


def test_unlinking_needs_a_session(client, configured) -> None:
    response = client.post(reverse("franceconnect:unlink"))
    assert response.status_code == HTTPStatus.FOUND
    assert reverse("accounts:login") in response["Location"]


def test_the_link_moves_when_two_accounts_merge(college) -> None:
    kept = make_parent_account(make_guardian(college))
    closed = make_parent_account(make_guardian(college, mobile="+33611111111"))
    FranceConnectLink.objects.create(user=closed, sub="abc")
    mover = next(m for m in movers() if isinstance(m, LinkMover))
    assert mover.describe(closed) == ["La connexion avec FranceConnect"]
    assert mover.describe(kept) == []
    mover.move(kept=kept, closed=closed)
    assert FranceConnectLink.objects.get(sub="abc").user == kept


def test_a_passkey_is_another_way_in(college) -> None:
    """Mon compte registers the passkeys' check (``myaccount.apps``): FranceConnect can go."""
    parent = make_parent_account(make_guardian(college))
    parent.set_unusable_password()
    parent.save(update_fields=["password"])
    assert not may_unlink(parent)
    PasskeyCredential.objects.create(
        user=parent, name="Téléphone", credential_id="AAAA", public_key=b"k", user_handle="h"
    )
    assert may_unlink(parent)
