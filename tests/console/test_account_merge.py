"""An académie administrator merges two accounts of one person from the console, with the
preview and the confirmation; audited with the administrator; never a school's secretary."""

from __future__ import annotations

import html
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, Establishment, IdentifierAlias, StaffMembership, User
from accounts.roles import ensure_secretariat_group
from console.merging import staff_merge, staff_merge_preview
from core.http import RequestFacts
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings) -> None:
    settings.ADMIN_REQUIRES_OTP = False


@pytest.fixture
def family(college: Establishment, lycee: Establishment) -> tuple[User, User]:
    kept = make_parent_account(make_guardian(college), student=make_student(college))
    closed = make_parent_account(
        make_guardian(lycee, mobile="+33698765432"),
        student=make_student(lycee, first_name="Hugo"),
    )
    return kept, closed


@pytest.fixture
def academie() -> User:
    return User.objects.create_superuser("admin.academie1", DEMO_PASSWORD)


@pytest.fixture
def secretary(college: Establishment, lycee: Establishment) -> User:
    user = User.objects.create_user("claire.bernard1", DEMO_PASSWORD, kind="staff", is_staff=True)
    for school in (college, lycee):
        StaffMembership.objects.create(
            user=user, establishment=school, role=StaffMembership.Role.SECRETARIAT
        )
    user.groups.add(ensure_secretariat_group())
    return user


def console(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_academie_previews_then_merges_and_both_journals_name_it(
    academie: User, family: tuple[User, User], django_capture_on_commit_callbacks
) -> None:
    kept, closed = family
    client = console(academie)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "merge_two", ACTION_CHECKBOX_NAME: [kept.pk, closed.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    preview = client.get(response["Location"])
    page = text(preview)
    assert "Aperçu : rien n'a encore été regroupé" in page and "Hugo Dupont" in page
    assert closed.guardian_records.count() == 1
    fingerprint = preview.context["preview"].fingerprint
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("admin:accounts_user_merge"),
            {
                "kept": kept.identifier,
                "closed": closed.identifier,
                "kept_id": kept.pk,
                "closed_id": closed.pk,
                "fingerprint": fingerprint,
                "confirm": "1",
            },
        )
    assert done["Location"] == reverse("admin:accounts_user_change", args=[kept.pk])
    closed.refresh_from_db()
    assert not closed.is_active and kept.guardian_records.count() == 2
    for subject, event_type in (
        (kept, AuditEvent.Type.ACCOUNT_MERGED),
        (closed, AuditEvent.Type.ACCOUNT_MERGED_INTO),
    ):
        event = AuditEvent.objects.get(subject=subject, event_type=event_type)
        assert event.actor == academie and event.details["by"] == "staff"
    assert IdentifierAlias.objects.get(identifier=closed.identifier).user == kept


def test_a_forged_or_stale_fingerprint_merges_nothing(
    academie: User, family: tuple[User, User]
) -> None:
    kept, closed = family
    response = console(academie).post(
        reverse("admin:accounts_user_merge"),
        {
            "kept": kept.identifier,
            "closed": closed.identifier,
            "kept_id": kept.pk,
            "closed_id": closed.pk,
            "fingerprint": "0" * 64,
            "confirm": "1",
        },
    )
    assert response.status_code == HTTPStatus.CONFLICT
    closed.refresh_from_db()
    assert closed.is_active


def test_the_console_refuses_two_different_people_in_french(
    academie: User, family: tuple[User, User], college: Establishment
) -> None:
    kept, _closed = family
    marie = make_parent_account(make_guardian(college, first_name="Marie", mobile="+33611111111"))
    response = console(academie).post(
        reverse("admin:accounts_user_merge"), {"kept": kept.identifier, "closed": marie.identifier}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ne sont pas au même nom" in text(response)


def test_a_school_secretary_may_not_merge(secretary: User, family: tuple[User, User]) -> None:
    kept, closed = family
    client = console(secretary)
    assert client.get(reverse("admin:accounts_user_merge")).status_code == HTTPStatus.FORBIDDEN
    listing = text(client.get(reverse("admin:accounts_user_changelist")))
    assert "Regrouper deux comptes" not in listing
    fingerprint = staff_merge_preview(
        staff=User.objects.create_superuser("admin.academie2", DEMO_PASSWORD),
        kept=kept.identifier,
        closed=closed.identifier,
    ).fingerprint
    response = client.post(
        reverse("admin:accounts_user_merge"),
        {"kept_id": kept.pk, "closed_id": closed.pk, "fingerprint": fingerprint, "confirm": "1"},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    with pytest.raises(PermissionDenied):
        staff_merge(
            staff=secretary,
            kept_id=kept.pk,
            closed_id=closed.pk,
            fingerprint=fingerprint,
            facts=RequestFacts(ip_address="192.0.2.1", user_agent=""),
        )
    closed.refresh_from_db()
    assert closed.is_active
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCOUNT_MERGED).exists()
