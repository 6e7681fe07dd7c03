"""What services learn: pairwise subjects per sector, legal children only, never a mobile or
an INE, a student's own school and class."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client as BrowserClient

from accounts.models import Establishment, User
from accounts.services import user_create
from identity.claims import claims_for, pairwise_subject
from tests.conftest import make_student
from tests.identity.conftest import endpoint, make_client, make_flow

pytestmark = pytest.mark.django_db


def test_two_sectors_get_different_subjects_and_one_sector_the_same(
    parent_user: User,
) -> None:
    ent = make_client(name="ENT", sector_identifier="ent.exemple.fr")
    ent_mobile = make_client(name="ENT mobile", sector_identifier="ent.exemple.fr")
    vie_scolaire = make_client(name="Vie scolaire", sector_identifier="vs.exemple.fr")
    assert pairwise_subject(parent_user, ent) == pairwise_subject(parent_user, ent_mobile)
    assert pairwise_subject(parent_user, ent) != pairwise_subject(parent_user, vie_scolaire)
    assert pairwise_subject(parent_user, ent) != str(parent_user.pk)


def test_children_ids_are_pairwise_too(family: dict[str, Any]) -> None:
    ent = make_client(name="ENT", sector_identifier="ent.exemple.fr")
    other = make_client(name="Téléservices", sector_identifier="teleservices.exemple.fr")
    scopes = ["openid", "scolarite"]
    ids_ent = {c["id"] for c in claims_for(family["parent"], ent, scopes)["scolarite"]["enfants"]}
    ids_other = {
        c["id"] for c in claims_for(family["parent"], other, scopes)["scolarite"]["enfants"]
    }
    assert len(ids_ent) == 2 and not ids_ent & ids_other


def test_a_parent_sees_only_the_children_they_are_legal_guardian_of(
    family: dict[str, Any],
) -> None:
    ent = make_client()
    claims = claims_for(family["parent"], ent, ["openid", "profile", "scolarite"])
    children = claims["scolarite"]["enfants"]
    assert {(c["given_name"], c["uai"], c["classe"]) for c in children} == {
        ("Léa", "0750654D", "5A"),
        ("Hugo", "0910000F", "2nde 3"),
    }
    text = json.dumps(claims, ensure_ascii=False)
    for never in ("Chloé", "Yanis", "+33612345678", "070123456AB", "070123457AC", "2012"):
        assert never not in text


def test_a_child_who_left_the_school_is_not_listed(family: dict[str, Any]) -> None:
    import datetime as dt

    family["hugo"].left_on = dt.date(2025, 7, 4)
    family["hugo"].save(update_fields=["left_on"])
    claims = claims_for(family["parent"], make_client(), ["openid", "scolarite"])
    assert [c["given_name"] for c in claims["scolarite"]["enfants"]] == ["Léa"]


def test_a_student_gets_their_school_and_class_only(college: Establishment) -> None:
    student = make_student(college, first_name="Emma", class_name="4B", ine="070123460AF")
    user = user_create(
        kind=User.Kind.STUDENT,
        first_name="Emma",
        last_name="Nguyen",
        password="Trousse-Verte-2026",
        student_id=student.pk,
    )
    claims = claims_for(user, make_client(), ["openid", "profile", "scolarite"])
    assert claims["kind"] == "eleve"
    assert claims["scolarite"] == {"uai": "0750654D", "classe": "4B"}
    assert "070123460AF" not in json.dumps(claims)


def test_without_the_scopes_a_service_learns_only_the_subject(
    browser: BrowserClient, parent_user: User
) -> None:
    ent = make_client(allowed_scopes="openid")
    flow = make_flow(ent, browser, scope="openid")
    token = flow.fetch_token(flow.authorize())
    claims = flow.verified_id_token(token)
    assert not {"given_name", "family_name", "kind", "scolarite"} & set(claims)
    userinfo = flow.session.get(endpoint("/oidc/infos/")).json()
    assert set(userinfo) == {"sub"}


def test_a_service_cannot_ask_for_a_scope_it_was_not_allowed(
    browser: BrowserClient, parent_user: User
) -> None:
    ent = make_client(allowed_scopes="openid profile")
    response = make_flow(ent, browser, scope="openid scolarite").authorize()
    assert response.status_code == HTTPStatus.FOUND
    assert "error=invalid_scope" in response["Location"]
