"""« Mes enfants » → « Regrouper avec un autre de mes comptes », and the identifier a person
chooses, as a parent goes through them in Mon compte."""

from __future__ import annotations

import html
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Establishment, IdentifierAlias, User
from accounts.services import user_set_password
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student
from tests.helpers import comparable_page

pytestmark = pytest.mark.django_db
OTHER_PASSWORD = "Gomme-Orange-2026"


@pytest.fixture
def kept(college: Establishment) -> User:
    return make_parent_account(
        make_guardian(college), student=make_student(college, first_name="Léa")
    )


@pytest.fixture
def other(lycee: Establishment) -> User:
    return make_parent_account(
        make_guardian(lycee, mobile="+33698765432"),
        password=OTHER_PASSWORD,
        student=make_student(lycee, first_name="Hugo"),
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.PortalBackend")
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def prove(client: Client, identifier: str, password: str = OTHER_PASSWORD):
    return client.post(
        reverse("myaccount:merge_start"),
        {"identifier": identifier, "proof": "password", "password": password},
    )


def test_a_parent_merges_their_other_account_from_mes_enfants(
    kept: User, other: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(kept)
    page = text(client.get(reverse("myaccount:account")))
    assert "Regrouper avec un autre de mes comptes" in page
    response = prove(client, other.identifier.upper())
    assert response["Location"] == reverse("myaccount:merge_confirm")
    preview = text(client.get(reverse("myaccount:merge_confirm")))
    assert "Hugo Dupont (Lycée Victor Hugo)" in preview and other.identifier in preview
    assert "csrfmiddlewaretoken" in preview
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("myaccount:merge_confirm"))
    assert done["Location"] == reverse("myaccount:account")
    account = text(client.get(reverse("myaccount:account")))
    assert "Hugo Dupont" in account and "Léa Dupont" in account
    assert f"Le compte {other.identifier} est regroupé avec celui-ci." in account
    other.refresh_from_db()
    assert not other.is_active


def test_an_unknown_identifier_and_a_wrong_password_look_the_same(kept: User, other: User) -> None:
    client = logged_in(kept)
    wrong = prove(client, other.identifier, "Pas-Le-Bon-2026")
    unknown = prove(client, "personne.inconnue1", "Pas-Le-Bon-2026")
    assert wrong.status_code == unknown.status_code == HTTPStatus.BAD_REQUEST
    assert "Identifiant ou mot de passe incorrect pour l'autre compte." in text(wrong)
    assert comparable_page(text(wrong)).replace(other.identifier, "X") == comparable_page(
        text(unknown)
    ).replace("personne.inconnue1", "X")
    assert (
        AuditEvent.objects.filter(
            subject=None, event_type=AuditEvent.Type.MERGE_PROOF_FAILED
        ).count()
        == 2
    )
    assert client.get(reverse("myaccount:merge_confirm"))["Location"] == reverse(
        "myaccount:merge_start"
    )


def test_the_proof_is_throttled_like_the_login(kept: User, other: User, settings) -> None:
    client = logged_in(kept)
    for _try in range(settings.LOGIN_THROTTLE["identifier"]["delay_after"]):
        prove(client, other.identifier, "Pas-Le-Bon-2026")
    response = prove(client, other.identifier)  # even the right password must wait now
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Patientez" in text(response)
    assert other.guardian_records.count() == 1


def test_two_different_people_are_refused_after_the_proof(
    kept: User, college: Establishment
) -> None:
    marie = make_parent_account(
        make_guardian(college, first_name="Marie", mobile="+33611111111"), password=OTHER_PASSWORD
    )
    response = prove(logged_in(kept), marie.identifier)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ne sont pas au même nom" in text(response)
    assert marie.guardian_records.count() == 1


def test_a_double_submission_merges_once(kept: User, other: User) -> None:
    client = logged_in(kept)
    prove(client, other.identifier)
    first = client.post(reverse("myaccount:merge_confirm"))
    second = client.post(reverse("myaccount:merge_confirm"))
    assert first.status_code == second.status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCOUNT_MERGED).count() == 1


def test_a_password_reset_of_the_other_account_during_the_merge_is_refused_cleanly(
    kept: User, other: User
) -> None:
    client = logged_in(kept)
    prove(client, other.identifier)
    user_set_password(user=other, password="Trousse-Verte-2027")  # "mot de passe perdu" meanwhile
    response = client.post(reverse("myaccount:merge_confirm"))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "a changé depuis votre vérification" in text(response)
    other.refresh_from_db()
    assert other.is_active and other.guardian_records.count() == 1
    assert not IdentifierAlias.objects.exists()


def test_the_confirmation_needs_a_post_with_its_csrf_token(kept: User, other: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(kept, backend="accounts.backends.PortalBackend")
    client.post(reverse("myaccount:merge_start"), {"identifier": other.identifier})
    response = client.post(reverse("myaccount:merge_confirm"))
    assert response.status_code == HTTPStatus.FORBIDDEN


# --- The identifier a person chooses --------------------------------------------------------


def choose(client: Client, identifier: str):
    return client.post(reverse("myaccount:choose_identifier"), {"identifier": identifier})


def test_a_parent_chooses_an_identifier_and_logs_in_with_it(kept: User) -> None:
    client = logged_in(kept)
    response = choose(client, "Patrick.Dupont-Paris")
    assert response["Location"] == reverse("myaccount:account")
    assert "patrick.dupont-paris" in text(client.get(reverse("myaccount:account")))
    login = Client().post(
        reverse("accounts:login"), {"identifier": "patrick.dupont-paris", "password": DEMO_PASSWORD}
    )
    assert login.status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(
        subject=kept, event_type=AuditEvent.Type.IDENTIFIER_ALIAS_CHOSEN
    ).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ab", "entre 4 et"),
        ("patrick..dupont", "lettres minuscules"),
        ("1patrick", "lettres minuscules"),
        ("patrick.dupont007", "lettres minuscules"),
        ("patrick dupont!", "lettres minuscules"),
    ],
)
def test_an_identifier_out_of_the_rules_is_refused(kept: User, typed: str, message: str) -> None:
    response = choose(logged_in(kept), typed)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in text(response)
    assert not IdentifierAlias.objects.exists()


def test_an_identifier_taken_by_anyone_or_formerly_someone_elses_is_refused(
    kept: User, other: User
) -> None:
    client = logged_in(kept)
    assert choose(client, other.identifier).status_code == HTTPStatus.BAD_REQUEST
    other_client = logged_in(other)
    choose(other_client, "hugo.papa")
    choose(other_client, "papa.hugo")  # hugo.papa is now other's former identifier
    response = choose(client, "hugo.papa")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "pas disponible" in text(response)
    assert not IdentifierAlias.objects.filter(user=kept).exists()


def test_a_changed_identifier_stays_reserved_for_its_owner_and_stops_signing_in(
    kept: User,
) -> None:
    client = logged_in(kept)
    choose(client, "patrick.paris")
    choose(client, "patrick.lyon")
    old = Client().post(
        reverse("accounts:login"), {"identifier": "patrick.paris", "password": DEMO_PASSWORD}
    )
    assert old.status_code == HTTPStatus.BAD_REQUEST
    assert choose(client, "patrick.paris")["Location"] == reverse("myaccount:account")
    kinds = dict(IdentifierAlias.objects.filter(user=kept).values_list("identifier", "kind"))
    assert kinds == {"patrick.paris": "chosen", "patrick.lyon": "retired"}
