"""Passkey journeys through Django's test client: add one in Mon compte, log in with it, remove
it; every error path answers a French message with a 4xx, never a 500."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.twofactor.devices import devices_delete
from core.ratelimits import login_failure_record
from notifications.models import Notification
from passkeys import ceremonies
from passkeys.merging import PasskeyMover
from passkeys.models import PasskeyCredential
from passkeys.reauth import REAUTHENTICATION_TIMEOUT
from tests.conftest import DEMO_PASSWORD
from tests.passkeys.authenticator import UP, SoftAuthenticator

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, data: object = None, **extra: object):  # type: ignore[no-untyped-def]
    body = "{}" if data is None else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def add_passkey(client: Client, authenticator: SoftAuthenticator, name: str = "Mon téléphone"):  # type: ignore[no-untyped-def]
    options = post_json(client, reverse("passkeys:register_options"))
    assert options.status_code == HTTPStatus.OK, options.content
    credential = authenticator.register(options.json())
    return post_json(
        client, reverse("passkeys:register_verify"), {"name": name, "credential": credential}
    )


def passkey_login(client: Client, authenticator: SoftAuthenticator, url: str = "", **kw):  # type: ignore[no-untyped-def]
    options = post_json(client, reverse("passkeys:login_options"))
    assert options.status_code == HTTPStatus.OK
    return post_json(
        client, url or reverse("passkeys:login_verify"), authenticator.assert_(options.json(), **kw)
    )


@pytest.fixture
def signed_in(client: Client, parent: User) -> Client:
    client.force_login(parent)
    client.get(reverse("myaccount:account"))  # the session is seen signed in from now
    return client


@pytest.fixture
def registered(
    signed_in: Client, authenticator: SoftAuthenticator, parent: User
) -> PasskeyCredential:
    response = add_passkey(signed_in, authenticator)
    assert response.status_code == HTTPStatus.OK, response.content
    signed_in.logout()
    return PasskeyCredential.objects.get(user=parent)


def test_mon_compte_links_to_the_passkeys_page(signed_in: Client) -> None:
    page = signed_in.get(reverse("myaccount:account"))
    assert reverse("passkeys:list") in page.content.decode()


def test_a_parent_adds_a_passkey_told_on_every_channel_and_journaled(
    signed_in: Client, authenticator: SoftAuthenticator, parent: User
) -> None:
    response = add_passkey(signed_in, authenticator, name="  Téléphone\x00 de Patrick ")
    assert response.json() == {"redirect": reverse("passkeys:list")}
    passkey = PasskeyCredential.objects.get(user=parent)
    assert passkey.name == "Téléphone de Patrick"
    assert passkey.transports == ["internal"]
    assert not passkey.is_second_factor
    assert AuditEvent.objects.filter(subject=parent, event_type="passkey_added").exists()
    assert Notification.objects.filter(
        user=parent, template="passkey_added", channel="sms"
    ).exists()
    page = signed_in.get(reverse("passkeys:list")).content.decode()
    assert "Téléphone de Patrick" in page and "jamais" in page


def test_the_name_defaults_to_the_browser(client: Client, parent: User, authenticator) -> None:  # type: ignore[no-untyped-def]
    client.force_login(parent)
    agent = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/121.0 Mobile Safari/537.36"
    client.get(reverse("myaccount:account"), HTTP_USER_AGENT=agent)
    options = post_json(client, reverse("passkeys:register_options"))
    credential = authenticator.register(options.json())
    post_json(
        client,
        reverse("passkeys:register_verify"),
        {"name": "", "credential": credential},
        HTTP_USER_AGENT=agent,
    )
    assert PasskeyCredential.objects.get(user=parent).name == "Chrome sur Android"


def test_adding_needs_a_recent_sign_in_or_the_password_again(
    signed_in: Client, authenticator: SoftAuthenticator, parent: User
) -> None:
    later = timezone.now() + REAUTHENTICATION_TIMEOUT + timezone.timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        refused = post_json(signed_in, reverse("passkeys:register_options"))
        assert refused.status_code == HTTPStatus.FORBIDDEN
        assert "mot de passe" in refused.json()["error"]
        page = signed_in.get(reverse("passkeys:list")).content.decode()
        assert 'name="password"' in page
        wrong = signed_in.post(reverse("passkeys:reauthenticate"), {"password": "Pas-Le-Bon-1"})
        assert wrong.status_code == HTTPStatus.BAD_REQUEST
        assert AuditEvent.objects.filter(event_type="current_password_failed").exists()
        right = signed_in.post(reverse("passkeys:reauthenticate"), {"password": DEMO_PASSWORD})
        assert right.status_code == HTTPStatus.FOUND
        assert add_passkey(signed_in, authenticator).status_code == HTTPStatus.OK


def test_a_passkey_logs_in_and_counts_as_a_login(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator, parent: User
) -> None:
    response = passkey_login(client, authenticator)
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"redirect": reverse("myaccount:account")}
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
    login = AuditEvent.objects.filter(subject=parent, event_type="login_succeeded").last()
    assert login is not None and login.details["method"] == "passkey"
    registered.refresh_from_db()
    assert registered.sign_count == 1 and registered.last_used_at is not None


def test_a_passkey_login_keeps_the_way_back(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator
) -> None:
    back = "/mon-compte/journal/"
    url = reverse("passkeys:login_verify") + f"?next={back}"
    assert passkey_login(client, authenticator, url).json() == {"redirect": back}
    evil = reverse("passkeys:login_verify") + "?next=https://evil.example/"
    assert passkey_login(client, authenticator, evil).json()["redirect"] == reverse(
        "myaccount:account"
    )


def refused_words(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == HTTPStatus.BAD_REQUEST
    return str(response.json()["error"])


def test_unknown_removed_and_forged_credentials_get_the_same_words(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator
) -> None:
    unknown = refused_words(passkey_login(client, SoftAuthenticator(user_handle=b"z" * 32)))
    forger = SoftAuthenticator(
        credential_id=authenticator.credential_id, user_handle=authenticator.user_handle
    )
    forged = refused_words(passkey_login(client, forger))
    no_uv = refused_words(passkey_login(client, authenticator, flags=UP))
    registered.delete()
    removed = refused_words(passkey_login(client, authenticator))
    assert unknown == forged == no_uv == removed
    assert "n'est pas reconnue" in unknown
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event_type="login_failed").count() == 4


def test_an_account_that_may_not_sign_in_is_refused_alike(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator, parent: User
) -> None:
    parent.is_active = False
    parent.save(update_fields=["is_active"])
    assert "n'est pas reconnue" in refused_words(passkey_login(client, authenticator))
    assert "_auth_user_id" not in client.session


def test_a_locked_identifier_stays_locked_for_its_passkeys(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator, parent: User
) -> None:
    for _ in range(10):
        login_failure_record(identifier=parent.identifier, ip="198.51.100.1")
    response = passkey_login(client, authenticator)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "15 minutes" in response.json()["error"]


def test_failed_assertions_are_throttled_per_address(
    client: Client, registered: PasskeyCredential, settings
) -> None:  # type: ignore[no-untyped-def]
    stranger = SoftAuthenticator(user_handle=b"z" * 32)
    statuses = [passkey_login(client, stranger).status_code for _ in range(21)]
    assert statuses[:20] == [HTTPStatus.BAD_REQUEST] * 20
    assert statuses[20] == HTTPStatus.TOO_MANY_REQUESTS


def test_a_temporary_password_account_still_goes_through_the_forced_change(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator, parent: User
) -> None:
    parent.must_change_password = True
    parent.save(update_fields=["must_change_password"])
    redirect_to = passkey_login(client, authenticator).json()["redirect"]
    page = client.get(redirect_to)
    assert page.status_code == HTTPStatus.FOUND
    assert page["Location"] == reverse("myaccount:change_password")


def test_a_missing_challenge_is_a_400_in_french(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator
) -> None:
    answer = authenticator.assert_({"challenge": "AAAA"})
    response = post_json(client, reverse("passkeys:login_verify"), answer)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "expiré" in response.json()["error"]


def test_an_expired_challenge_is_a_400_in_french(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        options = post_json(client, reverse("passkeys:login_options")).json()
        traveller.shift(ceremonies.CHALLENGE_LIFETIME.total_seconds() + 1)
        response = post_json(
            client, reverse("passkeys:login_verify"), authenticator.assert_(options)
        )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "expiré" in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    ["not json", "[]", "null", '{"id": 3}', '{"rawId": "%%%"}', "\x00\xff", '"' + "a" * 10 + '"'],
)
def test_garbage_is_a_400_in_french(
    client: Client, registered: PasskeyCredential, body: str
) -> None:
    post_json(client, reverse("passkeys:login_options"))
    response = client.post(reverse("passkeys:login_verify"), body, content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["error"]


def test_a_huge_body_is_a_400_in_french(signed_in: Client) -> None:
    huge = json.dumps({"name": "x", "credential": {"id": "A" * 200_000}})
    for url in (reverse("passkeys:login_verify"), reverse("passkeys:register_verify")):
        response = signed_in.post(url, huge, content_type="application/json")
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "illisible" in response.json()["error"]


def test_a_too_long_name_is_a_400(signed_in: Client, authenticator: SoftAuthenticator) -> None:
    response = add_passkey(signed_in, authenticator, name="n" * 65)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "64 caractères" in response.json()["error"]
    assert not PasskeyCredential.objects.exists()


def test_the_endpoints_need_csrf(parent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    assert post_json(client, reverse("passkeys:login_options")).status_code == HTTPStatus.FORBIDDEN
    assert (
        client.get(reverse("passkeys:login_options")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    )


def test_removing_asks_first_then_removes_tells_and_journals(
    signed_in: Client, authenticator: SoftAuthenticator, parent: User
) -> None:
    add_passkey(signed_in, authenticator)
    passkey = PasskeyCredential.objects.get(user=parent)
    url = reverse("passkeys:remove", args=[passkey.pk])
    assert "Supprimer cette clé" in signed_in.get(url).content.decode()
    assert PasskeyCredential.objects.filter(pk=passkey.pk).exists()
    assert signed_in.post(url).status_code == HTTPStatus.FOUND
    assert not PasskeyCredential.objects.filter(pk=passkey.pk).exists()
    assert AuditEvent.objects.filter(subject=parent, event_type="passkey_removed").exists()
    assert Notification.objects.filter(user=parent, template="passkey_removed").exists()
    signed_in.logout()
    assert "n'est pas reconnue" in refused_words(passkey_login(signed_in, authenticator))


def test_nobody_removes_anothers_passkey(
    client: Client, registered: PasskeyCredential, college
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_guardian, make_parent_account

    other = make_parent_account(make_guardian(college, first_name="Marie", mobile="+33698765432"))
    client.force_login(other)
    url = reverse("passkeys:remove", args=[registered.pk])
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    assert PasskeyCredential.objects.filter(pk=registered.pk).exists()


def test_a_password_reset_keeps_the_passkeys(registered: PasskeyCredential, parent: User) -> None:
    from core.http import RequestFacts
    from recovery.passwords import password_replace

    password_replace(
        user=parent,
        new_password="Gomme-Orange-2027",
        event_type=AuditEvent.Type.PASSWORD_RESET,
        facts=RequestFacts(ip_address="192.0.2.1", user_agent="pytest"),
    )
    assert PasskeyCredential.objects.filter(pk=registered.pk).exists()


def test_merging_moves_the_passkeys_to_the_kept_account(
    registered: PasskeyCredential, parent: User, college
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_guardian, make_parent_account

    kept = make_parent_account(make_guardian(college, first_name="Pat", mobile="+33698765432"))
    PasskeyCredential.objects.filter(pk=registered.pk).update(confirmed=True)
    mover = PasskeyMover()
    assert mover.describe(parent) == ["1 clé d'accès : Mon téléphone"]
    mover.move(kept=kept, closed=parent)
    registered.refresh_from_db()
    assert registered.user == kept and not registered.is_second_factor
    assert mover.describe(parent) == []


# --- Staff second factor ------------------------------------------------------------------


@pytest.fixture
def staff(college) -> User:  # type: ignore[no-untyped-def]
    from accounts.services import user_create

    user = user_create(
        kind=User.Kind.STAFF, first_name="Claire", last_name="Bernard", password=DEMO_PASSWORD
    )
    user.is_staff = True
    user.activated_at = timezone.now()
    user.save(update_fields=["is_staff", "activated_at"])
    return user


def test_an_unverified_staff_members_passkey_is_no_second_factor(
    client: Client, staff: User, authenticator: SoftAuthenticator, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.ADMIN_REQUIRES_OTP = True
    client.force_login(staff)
    client.get(reverse("myaccount:account"))
    assert add_passkey(client, authenticator).status_code == HTTPStatus.OK
    assert not PasskeyCredential.objects.get(user=staff).is_second_factor
    client.logout()
    passkey_login(client, authenticator)
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND  # to the 2FA


def test_a_verified_staff_members_passkey_is_their_second_factor(
    client: Client, staff: User, authenticator: SoftAuthenticator, settings
) -> None:  # type: ignore[no-untyped-def]
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    settings.ADMIN_REQUIRES_OTP = True
    device = StaticDevice.objects.create(user=staff, name="codes", confirmed=True)
    StaticToken.objects.create(device=device, token="abcd1234")
    client.force_login(staff)
    client.post(reverse("accounts:two_factor"), {"token": "abcd1234", "next": "/admin/"})
    assert add_passkey(client, authenticator).status_code == HTTPStatus.OK
    passkey = PasskeyCredential.objects.get(user=staff)
    assert passkey.is_second_factor
    client.logout()

    # A passkey login with it opens the console at once...
    passkey_login(client, authenticator)
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    client.logout()

    # ...and after a password login it is the second factor on the verification page.
    client.force_login(staff)
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert reverse("passkeys:second_factor_options") in page
    options = post_json(client, reverse("passkeys:second_factor_options")).json()
    assert [c["id"] for c in options["allowCredentials"]] == [passkey.credential_id]
    verified = post_json(
        client,
        reverse("passkeys:second_factor_verify") + "?next=/admin/",
        authenticator.assert_(options),
    )
    assert verified.json() == {"redirect": "/admin/"}
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK

    # Re-inviting resets the second factor: the passkey stays a login, no longer a factor.
    devices_delete(user=staff)
    passkey.refresh_from_db()
    assert not passkey.is_second_factor
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND


def test_a_parent_has_no_second_factor_endpoint(signed_in: Client) -> None:
    assert post_json(signed_in, reverse("passkeys:second_factor_options")).status_code == (
        HTTPStatus.FORBIDDEN
    )


def test_the_login_page_offers_passkeys_in_the_autofill_and_a_button(client: Client) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'autocomplete="username webauthn"' in page
    assert (
        "Se connecter avec une clé d&#x27;accès" in page
        or "Se connecter avec une clé d'accès" in page
    )
    assert reverse("passkeys:login_options") in page
    assert "js/passkeys.js" in page


def test_a_credential_id_already_known_is_refused_not_a_crash(
    client: Client, registered: PasskeyCredential, authenticator: SoftAuthenticator, college
) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_guardian, make_parent_account

    other = make_parent_account(make_guardian(college, first_name="Marie", mobile="+33698765432"))
    client.force_login(other)
    client.get(reverse("myaccount:account"))
    clone = SoftAuthenticator(credential_id=authenticator.credential_id)
    response = add_passkey(client, clone)
    assert "n'est pas reconnue" in refused_words(response)
    assert PasskeyCredential.objects.get(credential_id=registered.credential_id).user != other
