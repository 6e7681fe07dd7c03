"""FranceConnect against the fake FranceConnect over HTTP, driven by the real client library:
the first login with a match (code, birth dates, account), with no match, with an existing
account, the next logins, every refused answer, logout at FranceConnect."""

from __future__ import annotations

import re
from html import unescape
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.demo import PARENT_PASSWORD, seed_demo
from accounts.models import AuditEvent, User
from franceconnect.logout import SESSION_ID_TOKEN
from franceconnect.models import FranceConnectLink
from notifications.backends.sms import LocmemSmsBackend
from tests.franceconnect.fake import FakeFranceConnect

pytestmark = pytest.mark.django_db


def _callback(client: Client, fake: FakeFranceConnect, identity: str, *, tamper=None):
    """Press the button, be ``identity`` at FranceConnect, come back to the portal."""
    start = client.get(reverse("franceconnect:start"))
    assert start.status_code == HTTPStatus.FOUND
    assert start["Location"].startswith(f"{fake.issuer}/authorize/")
    back = fake.log_in_as(start["Location"], identity)
    if tamper:
        back = tamper(back)
    parts = urlsplit(back)
    assert parts.path == reverse("franceconnect:callback")
    return client.get(f"{parts.path}?{parts.query}")


def _code() -> str:
    match = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body)
    assert match
    return match.group(1)


def _signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_authorization_request_is_franceconnects(client, franceconnect) -> None:
    start = client.get(reverse("franceconnect:start"))
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["acr_values"] == ["eidas1"]
    assert query["response_type"] == ["code"]
    assert set(query["scope"][0].split()) >= {
        "openid",
        "given_name",
        "family_name",
        "birthdate",
        "email",
        "preferred_username",
    }
    assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/franceconnect/retour/"] or query[
        "redirect_uri"
    ][0].endswith(reverse("franceconnect:callback"))


def test_a_parent_with_no_account_registers_through_the_code_and_birth_dates(
    client, franceconnect, django_capture_on_commit_callbacks
) -> None:
    seed_demo()
    with django_capture_on_commit_callbacks(execute=True):
        response = _callback(client, franceconnect, "sophie.dupont")
    assert response["Location"] == reverse("recovery:signup_code")
    assert LocmemSmsBackend.outbox[-1].to == "+33698765432"  # the number the schools hold
    page = client.get(reverse("recovery:signup_code"))
    assert "06 •• •• •• 32" in page.content.decode()
    response = client.post(reverse("recovery:signup_code"), {"code": _code()})
    assert response["Location"] == reverse("recovery:signup_children")
    children = client.get(reverse("recovery:signup_children")).context["form"].children
    answers = {}
    for child in children:
        answers[f"legal_{child.student_id}"] = "oui"
        answers[f"birth_date_{child.student_id}"] = child.birth_date.strftime("%d/%m/%Y")
    response = client.post(reverse("recovery:signup_children"), answers)
    assert response["Location"] == reverse("franceconnect:signup_finish")
    assert client.get(reverse("recovery:signup_password"))["Location"] == reverse(
        "franceconnect:signup_finish"
    )  # no password to choose
    page = client.get(reverse("franceconnect:signup_finish"))
    assert "sophie.dupont1" in page.content.decode()
    assert not User.objects.filter(identifier="sophie.dupont1").exists()

    response = client.post(reverse("franceconnect:signup_finish"))
    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(identifier="sophie.dupont1")
    assert _signed_in_user(client) == user
    assert not user.has_usable_password()
    assert user.guardian_records.count() == 2
    link = FranceConnectLink.objects.get(user=user)
    assert link.sub.endswith("v1") and link.linked_at
    assert client.session[SESSION_ID_TOKEN]
    login = AuditEvent.objects.filter(subject=user, event_type=AuditEvent.Type.LOGIN_SUCCEEDED)
    assert login.get().details["method"] == "franceconnect"
    assert AuditEvent.objects.filter(
        subject=user, event_type=AuditEvent.Type.FRANCECONNECT_LINKED
    ).exists()
    assert (
        AuditEvent.objects.get(subject=user, event_type=AuditEvent.Type.ACCOUNT_CREATED).details[
            "via"
        ]
        == "franceconnect"
    )


def test_the_next_login_goes_straight_in(client, franceconnect) -> None:
    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    first = Client()
    _callback(first, franceconnect, "patrick.dupont")
    first.post(
        reverse("franceconnect:existing_account"),
        {"identifier": "patrick.dupont1", "password": PARENT_PASSWORD},
    )
    response = _callback(client, franceconnect, "patrick.dupont")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("myaccount:account")
    assert _signed_in_user(client) == patrick
    page = client.get(reverse("myaccount:account")).content.decode()
    assert "Connecté avec FranceConnect" in page


def test_the_way_back_to_a_service_is_kept(client, franceconnect) -> None:
    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    FranceConnectLink.objects.create(user=patrick, sub=_sub("patrick.dupont"))
    back = "/autorisation/?client_id=ent"
    start = client.get(reverse("franceconnect:start"), {"next": back})
    returned = urlsplit(franceconnect.log_in_as(start["Location"], "patrick.dupont"))
    response = client.get(f"{returned.path}?{returned.query}")
    assert response["Location"] == back


def _sub(key: str) -> str:
    from fake_franceconnect.identities import sub_for

    return sub_for(key)


def test_an_existing_account_is_linked_once_its_password_is_given(
    client, franceconnect, django_capture_on_commit_callbacks
) -> None:
    seed_demo()
    response = _callback(client, franceconnect, "patrick.dupont")
    assert response["Location"] == reverse("franceconnect:existing_account")
    wrong = client.post(
        reverse("franceconnect:existing_account"),
        {"identifier": "patrick.dupont1", "password": "Pas-le-bon-2026"},
    )
    assert wrong.status_code == HTTPStatus.BAD_REQUEST
    assert not FranceConnectLink.objects.exists()
    assert _signed_in_user(client) is None
    with django_capture_on_commit_callbacks(execute=True):
        right = client.post(
            reverse("franceconnect:existing_account"),
            {"identifier": "patrick.dupont1", "password": PARENT_PASSWORD},
        )
    assert right.status_code == HTTPStatus.FOUND
    patrick = User.objects.get(identifier="patrick.dupont1")
    assert FranceConnectLink.objects.get(user=patrick).sub == _sub("patrick.dupont")
    assert _signed_in_user(client) == patrick
    assert any("FranceConnect" in sms.body for sms in LocmemSmsBackend.outbox)  # told


def test_another_persons_account_cannot_be_linked(client, franceconnect) -> None:
    seed_demo()
    _callback(client, franceconnect, "patrick.dupont")
    response = client.post(
        reverse("franceconnect:existing_account"),
        {"identifier": "karim.martin1", "password": PARENT_PASSWORD},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "n'est pas au nom" in unescape(response.content.decode())
    assert not FranceConnectLink.objects.exists()
    assert _signed_in_user(client) is None


def test_a_person_the_roster_does_not_know_sees_what_to_ask_the_school(
    client, franceconnect
) -> None:
    seed_demo()
    users = User.objects.count()
    response = _callback(client, franceconnect, "lucie.garnier")
    assert response["Location"] == reverse("franceconnect:no_match")
    page = client.get(reverse("franceconnect:no_match")).content.decode()
    assert "Aucune fiche d'élève ne correspond" in page
    assert "GARNIER" in page and "représentant légal" in page
    assert User.objects.count() == users
    assert not FranceConnectLink.objects.exists()
    assert LocmemSmsBackend.outbox == []


def _replace_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    query = {key: value[0] for key, value in parse_qs(parts.query).items()}
    query.update(values)
    from urllib.parse import urlencode

    return f"{parts.path}?{urlencode(query)}"


def _nothing_happened(client: Client, users: int) -> None:
    assert User.objects.count() == users
    assert not FranceConnectLink.objects.exists()
    assert _signed_in_user(client) is None


def test_a_wrong_state_is_refused(client, franceconnect) -> None:
    seed_demo()
    users = User.objects.count()
    response = _callback(
        client,
        franceconnect,
        "sophie.dupont",
        tamper=lambda url: _replace_query(url, state="x" * 43),
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "n'a pas été demandée depuis ce navigateur" in unescape(response.content.decode())
    _nothing_happened(client, users)


def test_a_state_is_used_once(client, franceconnect) -> None:
    seed_demo()
    start = client.get(reverse("franceconnect:start"))
    back = urlsplit(franceconnect.log_in_as(start["Location"], "lucie.garnier"))
    assert client.get(f"{back.path}?{back.query}").status_code == HTTPStatus.FOUND
    replay = client.get(f"{back.path}?{back.query}")
    assert replay.status_code == HTTPStatus.BAD_REQUEST


def test_a_wrong_nonce_is_refused(client, franceconnect) -> None:
    seed_demo()
    users = User.objects.count()
    start = client.get(reverse("franceconnect:start"))
    back = urlsplit(franceconnect.log_in_as(start["Location"], "sophie.dupont"))
    session = client.session
    session["franceconnect.authorization"] = {
        **session["franceconnect.authorization"],
        "nonce": "n" * 43,
    }
    session.save()
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "n'a pas pu être vérifiée" in unescape(response.content.decode())
    _nothing_happened(client, users)


def test_a_token_signed_by_another_key_is_refused(client, franceconnect) -> None:
    seed_demo()
    users = User.objects.count()
    franceconnect.set_mode("rogue-key")
    response = _callback(client, franceconnect, "sophie.dupont")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "n'a pas pu être vérifiée" in unescape(response.content.decode())
    _nothing_happened(client, users)
    assert LocmemSmsBackend.outbox == []


def test_a_cancelled_login_says_so(client, franceconnect) -> None:
    client.get(reverse("franceconnect:start"))
    state = client.session["franceconnect.authorization"]["state"]
    response = client.get(
        reverse("franceconnect:callback"), {"error": "access_denied", "state": state}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Vous avez annulé" in unescape(response.content.decode())


def test_franceconnect_down_gives_a_clear_page_and_creates_nothing(
    client, franceconnect, settings
) -> None:
    seed_demo()
    users = User.objects.count()
    start = client.get(reverse("franceconnect:start"))
    back = urlsplit(franceconnect.log_in_as(start["Location"], "sophie.dupont"))
    from django.core.cache import cache

    cache.clear()
    settings.FRANCECONNECT_ISSUER = "http://127.0.0.1:9/api/v2"  # nothing listens there
    response = client.get(f"{back.path}?{back.query}")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert "FranceConnect ne répond pas" in unescape(response.content.decode())
    _nothing_happened(client, users)
    assert client.get(reverse("franceconnect:start")).status_code == HTTPStatus.SERVICE_UNAVAILABLE


def test_a_deactivated_account_is_refused(client, franceconnect) -> None:
    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    FranceConnectLink.objects.create(user=patrick, sub=_sub("patrick.dupont"))
    User.objects.filter(pk=patrick.pk).update(is_active=False)
    response = _callback(client, franceconnect, "patrick.dupont")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert _signed_in_user(client) is None


def test_logout_ends_the_session_at_franceconnect_too(client, franceconnect) -> None:
    import requests

    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    FranceConnectLink.objects.create(user=patrick, sub=_sub("patrick.dupont"))
    _callback(client, franceconnect, "patrick.dupont")
    id_token = client.session[SESSION_ID_TOKEN]
    response = client.post(reverse("accounts:logout"))
    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{franceconnect.issuer}/logout/"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"][0].endswith(reverse("franceconnect:logout_done"))
    assert _signed_in_user(client) is None
    # FranceConnect accepts the hint and sends the browser back with the state.
    answer = requests.get(response["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == HTTPStatus.FOUND
    back = urlsplit(answer.headers["Location"])
    assert back.path == reverse("franceconnect:logout_done")
    assert parse_qs(back.query)["state"] == query["state"]
    done = client.get(f"{back.path}?{back.query}", follow=True)
    assert "Vous êtes déconnecté du portail et de FranceConnect." in unescape(done.content.decode())


def test_a_password_logout_does_not_go_to_franceconnect(client, franceconnect) -> None:
    seed_demo()
    client.post(
        reverse("accounts:login"), {"identifier": "patrick.dupont1", "password": PARENT_PASSWORD}
    )
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")


def test_an_account_locked_by_wrong_passwords_is_refused(client, franceconnect) -> None:
    from core.ratelimits import IDENTIFIER_POLICY, login_failure_record

    seed_demo()
    patrick = User.objects.get(identifier="patrick.dupont1")
    FranceConnectLink.objects.create(user=patrick, sub=_sub("patrick.dupont"))
    for number in range(IDENTIFIER_POLICY.lock_after):
        login_failure_record(identifier=patrick.identifier, ip=f"192.0.2.{number}")
    response = _callback(client, franceconnect, "patrick.dupont")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert _signed_in_user(client) is None


def test_a_parent_whose_schools_hold_two_numbers_chooses_where_the_code_goes(
    client, franceconnect, django_capture_on_commit_callbacks
) -> None:
    from accounts.models import Guardian

    seed_demo()
    Guardian.objects.filter(first_name="Sophie", establishment__uai="0910000F").update(
        mobile="+33698765499"
    )
    response = _callback(client, franceconnect, "sophie.dupont")
    assert response["Location"] == reverse("franceconnect:choose_mobile")
    page = client.get(reverse("franceconnect:choose_mobile")).content.decode()
    assert "06 •• •• •• 32" in page and "06 •• •• •• 99" in page and "98 76" not in page
    assert client.post(reverse("franceconnect:choose_mobile"), {"mobile": "7"}).status_code == (
        HTTPStatus.BAD_REQUEST
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("franceconnect:choose_mobile"), {"mobile": "1"})
    assert response["Location"] == reverse("recovery:signup_code")
    assert LocmemSmsBackend.outbox[-1].to == "+33698765499"
