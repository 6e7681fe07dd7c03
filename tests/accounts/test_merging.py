"""Merging two accounts of one person (accounts.merge): what moves, who may be merged, once,
and never over a change made meanwhile; the closed identifier keeps signing in as an alias."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.aliases import account_for_identifier, identifier_is_taken
from accounts.identifiers import has_identifier_shape, identifier_stem, make_identifier
from accounts.merge import MergeRefused, accounts_merge, merge_preview
from accounts.models import (
    AttachmentReport,
    AuditEvent,
    Establishment,
    IdentifierAlias,
    User,
    UserSession,
)
from accounts.services import next_free_identifier, user_create, user_email_set
from core.http import RequestFacts
from notifications.backends.sms import LocmemSmsBackend
from recovery.flows import merge as merge_flow
from recovery.flows.merge import account_merge_apply
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student
from tests.recovery.conftest import ask_reset, last_code, post_code

pytestmark = pytest.mark.django_db

FACTS = RequestFacts(ip_address="192.0.2.8", user_agent="test")
OTHER_PASSWORD = "Gomme-Orange-2026"


@pytest.fixture
def two_accounts(college: Establishment, lycee: Establishment) -> tuple[User, User]:
    """Patrick Dupont: one account with Léa at the collège, one with Hugo at the lycée, where
    the school held another mobile and an e-mail he verified."""
    kept = make_parent_account(
        make_guardian(college), student=make_student(college, first_name="Léa")
    )
    closed = make_parent_account(
        make_guardian(lycee, first_name="PATRICK", mobile="+33698765432"),
        password=OTHER_PASSWORD,
        student=make_student(lycee, first_name="Hugo", birth_date="2008-05-02"),
    )
    user_email_set(user=closed, email="patrick@exemple.fr", verified=True)
    return kept, closed


def merge(kept: User, closed: User, *, actor: User | None = None, fingerprint: str = ""):
    preview = merge_preview(kept=kept, closed=closed)
    return account_merge_apply(
        kept_id=kept.pk,
        closed_id=closed.pk,
        actor=actor or kept,
        facts=FACTS,
        fingerprint=fingerprint or preview.fingerprint,
    )


def children_of(user: User) -> set[str]:
    return {f"{s.first_name}" for g in user.guardian_records.all() for s in g.students.all()}


def test_the_preview_says_what_will_move(two_accounts: tuple[User, User]) -> None:
    kept, closed = two_accounts
    lines = merge_preview(kept=kept, closed=closed).lines
    assert "Enfant : Hugo Dupont (Lycée Victor Hugo)" in lines
    assert any("patrick@exemple.fr" in line for line in lines)
    assert kept.guardian_records.count() == 1  # nothing moved yet


def test_the_children_the_e_mail_and_the_records_move_and_the_other_closes(
    two_accounts: tuple[User, User], django_capture_on_commit_callbacks
) -> None:
    kept, closed = two_accounts
    report = AttachmentReport.objects.create(
        reporter=closed,
        student=closed.guardian_records.get().students.get(),
        establishment=closed.guardian_records.get().establishment,
    )
    UserSession.objects.create(user=closed, session_key="x" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        result = merge(kept, closed)
    assert result.merged
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert children_of(kept) == {"Léa", "Hugo"}
    assert closed.guardian_records.count() == 0
    assert kept.has_verified_email and kept.email == "patrick@exemple.fr"
    assert not closed.is_active and not closed.has_usable_password() and closed.email == ""
    assert not UserSession.objects.filter(user=closed).exists()
    report.refresh_from_db()
    assert report.reporter == kept
    # Both journals keep their story and say what happened.
    assert AuditEvent.objects.filter(
        subject=kept, event_type=AuditEvent.Type.ACCOUNT_MERGED, details__closed=closed.identifier
    ).exists()
    assert AuditEvent.objects.filter(
        subject=closed, event_type=AuditEvent.Type.ACCOUNT_MERGED_INTO, actor=kept
    ).exists()
    # Both accounts' channels were told, while the closed one still had its mobile.
    assert {sms.to for sms in LocmemSmsBackend.outbox} == {"+33612345678", "+33698765432"}
    assert any("regroupé" in sms.body for sms in LocmemSmsBackend.outbox)
    assert [m.to for m in mail.outbox] == [["patrick@exemple.fr"]]


def test_the_kept_account_keeps_its_own_verified_e_mail(two_accounts: tuple[User, User]) -> None:
    kept, closed = two_accounts
    user_email_set(user=kept, email="p.dupont@exemple.fr", verified=True)
    merge(kept, closed)
    kept.refresh_from_db()
    assert kept.email == "p.dupont@exemple.fr"


def test_the_closed_identifier_logs_in_to_the_kept_account(
    client: Client, two_accounts: tuple[User, User]
) -> None:
    kept, closed = two_accounts
    merge(kept, closed)
    response = client.post(
        reverse("accounts:login"), {"identifier": closed.identifier, "password": DEMO_PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert int(client.session["_auth_user_id"]) == kept.pk
    other = Client().post(
        reverse("accounts:login"), {"identifier": closed.identifier, "password": OTHER_PASSWORD}
    )
    assert other.status_code == HTTPStatus.BAD_REQUEST  # the closed account's password is gone


def test_the_closed_identifier_resolves_in_lost_password(
    client: Client, two_accounts: tuple[User, User], django_capture_on_commit_callbacks
) -> None:
    kept, closed = two_accounts
    merge(kept, closed)
    LocmemSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, closed.identifier)
    assert {sms.to for sms in LocmemSmsBackend.outbox} == {"+33612345678", "+33698765432"}
    response = post_code(client, last_code())
    assert response["Location"] == reverse("recovery:forgot_password_new")


def test_two_different_people_are_never_merged(college: Establishment) -> None:
    patrick = make_parent_account(make_guardian(college))
    marie = make_parent_account(make_guardian(college, first_name="Marie", mobile="+33611111111"))
    with pytest.raises(MergeRefused) as refused:
        merge_preview(kept=patrick, closed=marie)
    assert refused.value.code == "people"
    with pytest.raises(MergeRefused):
        accounts_merge(
            kept_id=patrick.pk, closed_id=marie.pk, actor=patrick, facts=FACTS, fingerprint="x"
        )
    assert marie.guardian_records.count() == 1


def test_names_match_after_the_usual_folding(college: Establishment) -> None:
    kept = make_parent_account(make_guardian(college, first_name="Jean-Éric", last_name="N'Diaye"))
    closed = make_parent_account(
        make_guardian(college, first_name="jean eric", last_name="N’DIAYE", mobile="+33611111111")
    )
    assert merge(kept, closed).merged


def test_a_student_account_is_never_merged_into_a_parents(college: Establishment) -> None:
    parent = make_parent_account(make_guardian(college, first_name="Léa"))
    student = user_create(
        kind=User.Kind.STUDENT,
        first_name="Léa",
        last_name="Dupont",
        password=DEMO_PASSWORD,
        student_id=make_student(college).pk,
    )
    with pytest.raises(MergeRefused) as refused:
        merge_preview(kept=parent, closed=student)
    assert refused.value.code == "kind"


def test_staff_accounts_are_never_merged(college: Establishment) -> None:
    parent = make_parent_account(make_guardian(college))
    staff = User.objects.create_user("patrick.dupont9", DEMO_PASSWORD, kind="staff", is_staff=True)
    staff.first_name, staff.last_name = "Patrick", "Dupont"
    with pytest.raises(MergeRefused) as refused:
        merge_preview(kept=parent, closed=staff)
    assert refused.value.code == "staff"


def test_a_double_submission_merges_once(two_accounts: tuple[User, User]) -> None:
    kept, closed = two_accounts
    fingerprint = merge_preview(kept=kept, closed=closed).fingerprint
    assert merge(kept, closed, fingerprint=fingerprint).merged
    again = accounts_merge(
        kept_id=kept.pk, closed_id=closed.pk, actor=kept, facts=FACTS, fingerprint=fingerprint
    )
    assert not again.merged
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCOUNT_MERGED).count() == 1
    assert IdentifierAlias.objects.filter(user=kept).count() == 1


def test_a_password_reset_of_the_other_account_meanwhile_refuses_the_merge(
    two_accounts: tuple[User, User], client: Client, django_capture_on_commit_callbacks
) -> None:
    kept, closed = two_accounts
    fingerprint = merge_preview(kept=kept, closed=closed).fingerprint
    # Someone resets the other account's password in the meantime.
    with django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, closed.identifier)
    post_code(client, last_code())
    client.post(
        reverse("recovery:forgot_password_new"),
        {"new_password1": "Trousse-Verte-2027", "new_password2": "Trousse-Verte-2027"},
    )
    with pytest.raises(MergeRefused) as refused:
        accounts_merge(
            kept_id=kept.pk, closed_id=closed.pk, actor=kept, facts=FACTS, fingerprint=fingerprint
        )
    assert refused.value.code == "changed"
    closed.refresh_from_db()
    assert closed.is_active and closed.guardian_records.count() == 1
    assert not IdentifierAlias.objects.exists()
    assert not AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCOUNT_MERGED).exists()


def test_a_merged_identifier_is_never_given_again(two_accounts: tuple[User, User]) -> None:
    kept, closed = two_accounts
    merge(kept, closed)
    assert identifier_is_taken(closed.identifier)
    assert account_for_identifier(closed.identifier) == kept
    assert next_free_identifier(first_name="Patrick", last_name="Dupont") == "patrick.dupont3"


def test_two_student_accounts_of_one_student_merge_and_the_record_moves(
    college: Establishment,
) -> None:
    kept = user_create(kind=User.Kind.STUDENT, first_name="Léa", last_name="Dupont", password="x")
    closed = user_create(
        kind=User.Kind.STUDENT,
        first_name="Léa",
        last_name="Dupont",
        password="x",
        student_id=make_student(college).pk,
    )
    assert merge(kept, closed).merged
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.student is not None and closed.student is None


@given(
    first=st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    last=st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    number=st.integers(min_value=1, max_value=10**6),
)
def test_every_generated_identifier_has_the_shape_a_chosen_one_must_have(
    first: str, last: str, number: int
) -> None:
    assert has_identifier_shape(make_identifier(identifier_stem(first, last), number))


def test_the_services_signed_in_as_the_closed_account_are_logged_out(
    two_accounts: tuple[User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[tuple[int, str]] = []
    monkeypatch.setattr(
        merge_flow, "logout_everywhere", lambda user, reason: told.append((user.pk, reason))
    )
    kept, closed = two_accounts
    merge(kept, closed)
    assert told == [(closed.pk, "account_deactivated")]
