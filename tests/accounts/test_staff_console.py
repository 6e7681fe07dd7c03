"""Staff managed from the console (issue 12): the académie creates, invites and deactivates
staff; a head does so for their own school only; a secretary sees no other school's staff."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from http import HTTPStatus
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import STAFF_PASSWORD, seed_demo
from accounts.models import AuditEvent, Establishment, StaffInvitation, StaffMembership, User
from accounts.roles import HEAD_GROUP, SECRETARIAT_GROUP
from accounts.services import user_email_set
from console.staff import StaffNotAllowed, staff_member_create
from core.http import RequestFacts
from tests.accounts.enrolment_support import enrol, invitation_path

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[object]]
FACTS = RequestFacts(ip_address="203.0.113.9", user_agent="test")


@pytest.fixture(autouse=True)
def demo() -> None:
    seed_demo()


def signed_in(identifier: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(identifier=identifier))
    return client


def college() -> Establishment:
    return Establishment.objects.get(uai="0750654D")


def lycee() -> Establishment:
    return Establishment.objects.get(uai="0910000F")


def create(client: Client, **fields: object):  # type: ignore[no-untyped-def]
    data = {
        "first_name": "Anne",
        "last_name": "Lambert",
        "email": "anne.lambert@exemple.fr",
        "establishments": [college().pk],
        "role": StaffMembership.Role.SECRETARIAT,
        **fields,
    }
    return client.post(reverse("admin:accounts_staffmember_add"), data)


def run_action(client: Client, action: str, members: list[User]):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("admin:accounts_staffmember_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [m.pk for m in members]},
    )


def test_it_lets_the_academie_create_a_staff_member_who_gets_the_invitation(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    admin = signed_in("admin.academie1")
    form = admin.get(reverse("admin:accounts_staffmember_add"))
    assert form.status_code == HTTPStatus.OK
    assert "Lycée Victor Hugo" in form.content.decode() and "Direction" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = create(admin, establishments=[college().pk, lycee().pk])
    assert response["Location"] == reverse("admin:accounts_staffmember_invitations")
    member = User.objects.get(identifier="anne.lambert1")
    assert member.kind == User.Kind.STAFF and member.is_staff and not member.is_superuser
    assert not member.has_usable_password()
    assert set(member.memberships.values_list("establishment__uai", "role")) == {
        ("0750654D", "secretariat"),
        ("0910000F", "secretariat"),
    }
    assert list(member.groups.values_list("name", flat=True)) == [SECRETARIAT_GROUP]
    assert [m.to for m in mail.outbox] == [["anne.lambert@exemple.fr"]]
    link = re.search(r"https?://\S+/personnel/invitation/lien/\S+/", mail.outbox[0].body)
    assert link is not None
    shown = admin.get(response["Location"])
    assert link.group(0) in shown.content.decode()  # printed once for the académie
    again = admin.get(response["Location"])
    assert again.status_code == HTTPStatus.FOUND and link.group(0) not in str(again.content)
    events = AuditEvent.objects.filter(subject=member).values_list(
        "event_type", "actor__identifier"
    )
    assert set(events) == {
        ("account_created", "admin.academie1"),
        ("staff_invitation_sent", "admin.academie1"),
    }
    path = re.sub(r"^https?://[^/]+", "", link.group(0))
    assert len(enrol(Client(), path)) == 10


def test_it_refuses_a_second_account_for_the_same_address() -> None:
    admin = signed_in("admin.academie1")
    create(admin)
    response = create(admin, email="ANNE.LAMBERT@exemple.fr", first_name="Annie")
    assert response.status_code == HTTPStatus.OK
    assert "déjà cette adresse" in response.content.decode()
    assert not User.objects.filter(first_name="Annie").exists()


def test_a_new_invitation_resets_the_second_factor_at_once_audited_and_told(  # type: ignore[no-untyped-def]
    django_capture_on_commit_callbacks: Capture, settings
) -> None:
    settings.ADMIN_REQUIRES_OTP = True
    claire = User.objects.get(identifier="claire.bernard1")
    console = Client()
    console.post(
        reverse("accounts:login"), {"identifier": claire.identifier, "password": STAFF_PASSWORD}
    )
    enrol(console, invitation_path(claire), password=STAFF_PASSWORD)
    assert console.get(reverse("admin:index")).status_code == HTTPStatus.OK
    user_email_set(user=claire, email="claire.bernard@exemple.fr", verified=False)
    admin = User.objects.get(identifier="admin.academie1")
    academie = Client()
    academie.force_login(admin)
    settings.ADMIN_REQUIRES_OTP = False  # the académie's own second factor is tested elsewhere
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(academie, "reinvite", [claire])
    assert response.status_code == HTTPStatus.FOUND
    assert not TOTPDevice.objects.filter(user=claire).exists()
    assert not StaticDevice.objects.filter(user=claire).exists()
    reset = AuditEvent.objects.get(event_type=AuditEvent.Type.TWO_FACTOR_RESET, subject=claire)
    assert reset.actor == admin
    assert [m.to for m in mail.outbox] == [["claire.bernard@exemple.fr"]]
    assert "réinitialisée" in mail.outbox[0].subject
    settings.ADMIN_REQUIRES_OTP = True
    assert console.get(reverse("admin:index")).status_code == HTTPStatus.FOUND  # device gone


def test_it_deactivates_a_staff_member_and_ends_their_sessions() -> None:
    marc = User.objects.get(identifier="marc.petit1")
    open_session = Client()
    open_session.post(
        reverse("accounts:login"), {"identifier": marc.identifier, "password": STAFF_PASSWORD}
    )
    invitation_path(marc)
    admin = signed_in("admin.academie1")
    run_action(admin, "deactivate", [marc])
    marc.refresh_from_db()
    assert not marc.is_active
    assert not StaffInvitation.objects.filter(user=marc, revoked_at=None, consumed_at=None)
    assert open_session.get(reverse("myaccount:account")).status_code == HTTPStatus.FOUND
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.ACCOUNT_DEACTIVATED, subject=marc, actor__is_superuser=True
    ).exists()
    run_action(admin, "reactivate", [marc])
    marc.refresh_from_db()
    assert marc.is_active


def test_a_head_manages_only_the_staff_of_their_school() -> None:
    head = signed_in("isabelle.roux1")
    listing = head.get(reverse("admin:accounts_staffmember_changelist")).content.decode()
    assert "claire.bernard1" in listing
    assert "marc.petit1" not in listing and "Lycée Victor Hugo" not in listing
    assert "admin.academie1" not in listing
    form = head.get(reverse("admin:accounts_staffmember_add")).content.decode()
    assert "Collège Jean Moulin" in form and "Lycée Victor Hugo" not in form
    assert 'value="direction"' not in form
    marc = User.objects.get(identifier="marc.petit1")
    change = head.get(reverse("admin:accounts_staffmember_change", args=[marc.pk]))
    assert change.status_code == HTTPStatus.FOUND and "marc" not in str(change.content)
    before = AuditEvent.objects.count()
    run_action(head, "deactivate", [marc])
    run_action(head, "reinvite", [marc])
    marc.refresh_from_db()
    assert marc.is_active
    assert not StaffInvitation.objects.filter(user=marc, created_by__isnull=False).exists()
    assert AuditEvent.objects.count() == before


def test_a_head_creates_and_reinvites_a_secretary_of_their_school_without_seeing_the_link(
    django_capture_on_commit_callbacks: Capture,
) -> None:
    head = signed_in("isabelle.roux1")
    with django_capture_on_commit_callbacks(execute=True):
        response = create(head, role=StaffMembership.Role.VIE_SCOLAIRE)
    member = User.objects.get(identifier="anne.lambert1")
    assert member.memberships.get().role == StaffMembership.Role.VIE_SCOLAIRE
    shown = head.get(response["Location"]).content.decode()
    assert "anne.lambert@exemple.fr" in shown and "/personnel/invitation/lien/" not in shown
    assert len(mail.outbox) == 1
    claire = User.objects.get(identifier="claire.bernard1")
    run_action(head, "reinvite", [claire])  # no address: the head could not hand the link over
    assert not StaffInvitation.objects.filter(user=claire, created_by__isnull=False).exists()
    user_email_set(user=claire, email="claire.bernard@exemple.fr", verified=False)
    run_action(head, "reinvite", [claire])
    assert StaffInvitation.objects.filter(user=claire, created_by__identifier="isabelle.roux1")
    run_action(head, "deactivate", [claire])
    claire.refresh_from_db()
    assert not claire.is_active


@pytest.mark.parametrize(
    "fields",
    [
        {"establishments": ["__lycee__"]},
        {"establishments": ["__college__", "__lycee__"]},
        {"role": StaffMembership.Role.HEAD},
    ],
    ids=["other school", "with another school", "head role"],
)
def test_a_head_cannot_create_staff_beyond_their_school(fields: dict[str, object]) -> None:
    schools = {"__college__": college().pk, "__lycee__": lycee().pk}
    if "establishments" in fields:
        fields = {"establishments": [schools[key] for key in fields["establishments"]]}  # type: ignore[union-attr]
    response = create(signed_in("isabelle.roux1"), **fields)
    assert response.status_code == HTTPStatus.OK  # the form again, with the error
    assert not User.objects.filter(identifier="anne.lambert1").exists()


def test_a_head_cannot_act_on_a_member_shared_with_another_school() -> None:
    claire = User.objects.get(identifier="claire.bernard1")
    StaffMembership.objects.create(user=claire, establishment=lycee(), role="secretariat")
    head = signed_in("isabelle.roux1")
    listing = head.get(reverse("admin:accounts_staffmember_changelist")).content.decode()
    assert "claire.bernard1" in listing and "Lycée Victor Hugo" not in listing
    response = run_action(head, "deactivate", [claire])
    followed = head.get(response["Location"]).content.decode()
    assert "seule l&#x27;académie gère" in followed
    claire.refresh_from_db()
    assert claire.is_active


def test_the_services_refuse_a_head_acting_for_another_school() -> None:
    head = User.objects.get(identifier="isabelle.roux1")
    with pytest.raises(StaffNotAllowed):
        staff_member_create(
            actor=head,
            first_name="Paul",
            last_name="Morel",
            email="paul.morel@exemple.fr",
            establishments=[lycee()],
            role=StaffMembership.Role.SECRETARIAT,
            facts=FACTS,
        )
    assert not User.objects.filter(last_name="Morel").exists()


def test_the_head_group_carries_the_staff_permissions() -> None:
    head = User.objects.get(identifier="isabelle.roux1")
    assert list(head.groups.values_list("name", flat=True)) == [HEAD_GROUP]
    assert head.has_perm("accounts.add_staffmember")
    assert not User.objects.get(identifier="claire.bernard1").has_perm("accounts.view_staffmember")


def test_a_secretary_cannot_reach_the_staff_pages_nor_see_another_schools_staff() -> None:
    secretary = signed_in("claire.bernard1")
    marc = User.objects.get(identifier="marc.petit1")
    for url in (
        reverse("admin:accounts_staffmember_changelist"),
        reverse("admin:accounts_staffmember_add"),
        reverse("admin:accounts_staffmember_change", args=[marc.pk]),
        reverse("admin:accounts_staffmember_invitations"),
    ):
        assert secretary.get(url).status_code == HTTPStatus.FORBIDDEN, url
    assert run_action(secretary, "deactivate", [marc]).status_code == HTTPStatus.FORBIDDEN
    marc.refresh_from_db()
    assert marc.is_active
    index = secretary.get(reverse("admin:index")).content.decode()
    assert reverse("admin:accounts_staffmember_changelist") not in index
    for name in ("staffmembership", "user", "auditevent"):
        page = secretary.get(reverse(f"admin:accounts_{name}_changelist")).content.decode()
        assert "marc.petit1" not in page and "Marc Petit" not in page, name
    memberships = secretary.get(reverse("admin:accounts_staffmembership_changelist"), {"q": "marc"})
    assert "Lycée Victor Hugo" not in memberships.content.decode()


def test_the_operator_command_prints_an_invitation_for_the_first_administrator() -> None:
    out = StringIO()
    call_command("invite_staff", "admin.academie1", stdout=out)
    link = re.search(r"https?://\S+/personnel/invitation/lien/\S+/", out.getvalue())
    assert link is not None
    admin = User.objects.get(identifier="admin.academie1")
    assert AuditEvent.objects.filter(
        event_type=AuditEvent.Type.STAFF_INVITATION_SENT, subject=admin, actor=None
    ).exists()
