"""The académie forces a new password on old ones: preview, one UPDATE, the forced change at
the next login, and the progress per establishment (issue 14)."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from accounts.models import AuditEvent, Establishment, User, UserSession
from accounts.services import user_create, user_set_password
from console import campaigns
from console.models import RenewalCampaign
from core.http import RequestFacts
from identity.models import BackchannelLogout
from tests.conftest import DEMO_PASSWORD, make_guardian, make_parent_account, make_student
from tests.identity.conftest import make_client

NEW_PASSWORD = "Nouveau-Cartable-2027"
FACTS = RequestFacts(ip_address="192.0.2.7", user_agent="test")
CUTOFF = dt.datetime(2024, 3, 26, tzinfo=dt.UTC)
OLD = CUTOFF - dt.timedelta(days=200)
RECENT = CUTOFF + dt.timedelta(days=1)
Kinds = RenewalCampaign.Kinds


def student_account(school: Establishment, first_name: str, *, set_at: dt.datetime) -> User:
    student = make_student(school, first_name=first_name)
    user = user_create(
        kind=User.Kind.STUDENT,
        first_name=first_name,
        last_name="Dupont",
        password=DEMO_PASSWORD,
        student_id=student.pk,
    )
    User.objects.filter(pk=user.pk).update(password_changed_at=set_at)
    return user


def parent_account(*schools: Establishment, first_name: str, set_at: dt.datetime) -> User:
    user = make_parent_account(make_guardian(schools[0], first_name=first_name))
    for school in schools[1:]:
        make_guardian(school, first_name=first_name, account=user)
    User.objects.filter(pk=user.pk).update(password_changed_at=set_at)
    return user


@pytest.fixture
def academie(db: None) -> User:
    return User.objects.create_superuser("admin.academie1", DEMO_PASSWORD)


@pytest.fixture
def accounts(college: Establishment, lycee: Establishment) -> dict[str, User]:
    """In the collège: two old students, one recent; an old parent of both schools; an old
    parent of the lycée only, an old student of the lycée; and an old staff account."""
    staff = user_create(kind=User.Kind.STAFF, first_name="Anne", last_name="Prof", password="x")
    User.objects.filter(pk=staff.pk).update(password_changed_at=OLD)
    return {
        "lea": student_account(college, "Léa", set_at=OLD),
        "hugo": student_account(college, "Hugo", set_at=OLD),
        "ines": student_account(college, "Inès", set_at=RECENT),
        "theo": student_account(lycee, "Théo", set_at=OLD),
        "patrick": parent_account(college, lycee, first_name="Patrick", set_at=OLD),
        "nora": parent_account(lycee, first_name="Nora", set_at=OLD),
        "staff": staff,
    }


def start(academie: User, schools: list[Establishment] | None, **options: object):
    criteria: dict[str, object] = {"kinds": Kinds.BOTH, "cutoff_at": CUTOFF, "ends_sessions": False}
    criteria.update(options)
    return campaigns.campaign_start(actor=academie, establishments=schools, facts=FACTS, **criteria)


def counts(rows: list[campaigns.EstablishmentProgress]) -> dict[str, tuple[int, int]]:
    return {
        (row.establishment.uai if row.establishment else "-"): (row.changed, row.to_change)
        for row in rows
    }


def test_setting_a_password_records_when(parent: User) -> None:
    before = timezone.now()
    user_set_password(user=parent, password=NEW_PASSWORD)
    parent.refresh_from_db()
    assert parent.password_changed_at >= before


def test_the_preview_counts_old_passwords_per_establishment_each_parent_once(
    accounts: dict[str, User], college: Establishment, lycee: Establishment
) -> None:
    total, rows = campaigns.preview(establishments=[college], kinds=Kinds.BOTH, cutoff_at=CUTOFF)
    assert total == 3  # Léa, Hugo, Patrick; not Inès (recent), not the lycée's own
    assert [(row.establishment, row.total) for row in rows] == [(college, 3)]
    total, rows = campaigns.preview(
        establishments=[college, lycee], kinds=Kinds.BOTH, cutoff_at=CUTOFF
    )
    assert total == 5  # Patrick once in all, in both schools' rows
    assert {row.establishment.uai: row.total for row in rows if row.establishment} == {
        college.uai: 3,
        lycee.uai: 3,
    }
    assert campaigns.preview(establishments=None, kinds=Kinds.PARENTS, cutoff_at=CUTOFF)[0] == 2
    assert campaigns.preview(establishments=[lycee], kinds=Kinds.STUDENTS, cutoff_at=CUTOFF)[0] == 1


def test_marking_is_one_update_of_the_accounts_whatever_their_number(
    accounts: dict[str, User], academie: User, college: Establishment, lycee: Establishment
) -> None:
    for index in range(20):
        student_account(college, f"Élève{index}", set_at=OLD)
    with CaptureQueriesContext(connection) as queries:
        campaign = start(academie, [college, lycee])
    updates = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('UPDATE "accounts_user"')
    ]
    assert len(updates) == 1
    assert len(queries.captured_queries) < 15
    assert campaign.marked_count == 25
    marked = set(User.objects.filter(must_change_password=True).values_list("pk", flat=True))
    assert accounts["ines"].pk not in marked and accounts["staff"].pk not in marked
    assert (
        set(User.objects.filter(renewal_campaign=campaign).values_list("pk", flat=True)) == marked
    )


def test_the_next_login_goes_through_the_change_which_counts_as_progress(
    accounts: dict[str, User], academie: User, college: Establishment
) -> None:
    campaign = start(academie, [college])
    lea = accounts["lea"]
    client = Client()
    client.post(
        reverse("accounts:login"), {"identifier": lea.identifier, "password": DEMO_PASSWORD}
    )
    response = client.get(reverse("myaccount:account"))
    assert response["Location"] == reverse("myaccount:change_password")
    page = client.get(reverse("myaccount:change_password")).content.decode()
    assert "l'académie demande un nouveau mot de passe" in page
    response = client.post(
        reverse("myaccount:change_password"),
        {
            "current_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert client.get(reverse("myaccount:account")).status_code == HTTPStatus.OK
    totals, rows = campaigns.progress(campaign)
    assert (totals.changed, totals.to_change) == (1, 2)
    assert counts(rows) == {college.uai: (1, 2)}


def test_progress_is_right_per_establishment(
    accounts: dict[str, User], academie: User, college: Establishment, lycee: Establishment
) -> None:
    campaign = start(academie, [college, lycee])
    for name in ("hugo", "patrick"):
        user_set_password(user=accounts[name], password=NEW_PASSWORD)
    # A temporary password from the secretariat does not count as renewed.
    user_set_password(user=accounts["theo"], password="Provisoire-1234", must_change=True)
    totals, rows = campaigns.progress(campaign)
    assert (totals.changed, totals.to_change) == (2, 3)
    assert counts(rows) == {college.uai: (2, 1), lycee.uai: (1, 2)}


def test_an_academie_wide_campaign_lists_accounts_tied_to_no_school(
    accounts: dict[str, User], academie: User
) -> None:
    orphan = user_create(kind=User.Kind.PARENT, first_name="Solo", last_name="Sans", password="x")
    User.objects.filter(pk=orphan.pk).update(password_changed_at=OLD)
    campaign = start(academie, None)
    assert campaign.marked_count == 6 and campaign.is_academie_wide
    assert counts(campaigns.progress(campaign)[1])["-"] == (0, 1)


def test_the_campaign_can_end_every_session_of_its_accounts(
    accounts: dict[str, User], academie: User, college: Establishment
) -> None:
    signed_in = Client()
    signed_in.force_login(accounts["hugo"])
    signed_in.get(reverse("myaccount:account"))
    other = Client()
    other.force_login(accounts["nora"])
    other.get(reverse("myaccount:account"))
    campaign = start(academie, [college], ends_sessions=True)
    assert campaign.ended_sessions_count == 1
    assert not UserSession.objects.filter(user=accounts["hugo"]).exists()
    assert UserSession.objects.filter(user=accounts["nora"]).exists()
    response = signed_in.get(reverse("myaccount:account"))
    assert response["Location"].startswith(reverse("accounts:login"))


def test_starting_a_campaign_is_audited(
    accounts: dict[str, User], academie: User, college: Establishment
) -> None:
    campaign = start(academie, [college], kinds=Kinds.STUDENTS)
    event = AuditEvent.objects.get(event_type=AuditEvent.Type.RENEWAL_CAMPAIGN_STARTED)
    assert event.actor == academie
    assert event.details["campaign"] == campaign.pk
    assert event.details["marked"] == 2
    assert event.details["establishments"] == [college.uai]


def test_only_the_academie_starts_or_sees_campaigns(
    accounts: dict[str, User], academie: User, college: Establishment, settings
) -> None:
    settings.ADMIN_REQUIRES_OTP = False
    head = User.objects.create_user("chef.college1", DEMO_PASSWORD, kind="staff", is_staff=True)
    with pytest.raises(PermissionDenied):
        start(head, [college])
    client = Client()
    client.force_login(head)
    for url in (
        reverse("admin:console_renewalcampaign_changelist"),
        reverse("admin:console_renewalcampaign_add"),
    ):
        assert client.get(url).status_code == HTTPStatus.FORBIDDEN
    response = client.post(
        reverse("admin:console_renewalcampaign_add"),
        {
            "establishments": [college.pk],
            "kinds": Kinds.BOTH,
            "cutoff": "2024-03-26",
            "confirm": "1",
        },
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not RenewalCampaign.objects.exists()


def test_the_console_previews_then_starts_then_follows_a_campaign(
    accounts: dict[str, User], academie: User, college: Establishment, settings
) -> None:
    settings.ADMIN_REQUIRES_OTP = False
    client = Client()
    client.force_login(academie)
    url = reverse("admin:console_renewalcampaign_add")
    assert "Nouvelle campagne" in client.get(url).content.decode()
    data = {"establishments": [college.pk], "kinds": Kinds.BOTH, "cutoff": "2024-03-26"}
    preview = client.post(url, data)
    page = preview.content.decode()
    assert "3 comptes devront choisir un nouveau mot de passe" in page
    assert not RenewalCampaign.objects.exists()
    assert not User.objects.filter(must_change_password=True).exists()
    response = client.post(url, {**data, "confirm": "1"})
    campaign = RenewalCampaign.objects.get()
    assert response["Location"] == reverse(
        "admin:console_renewalcampaign_change", args=[campaign.pk]
    )
    detail = client.get(response["Location"]).content.decode()
    assert "encore à changer : 3" in detail and college.name in detail
    listing = client.get(reverse("admin:console_renewalcampaign_changelist")).content.decode()
    assert college.name in listing


def test_the_form_refuses_a_future_date_and_an_empty_scope(academie: User, settings) -> None:
    settings.ADMIN_REQUIRES_OTP = False
    client = Client()
    client.force_login(academie)
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = client.post(
        reverse("admin:console_renewalcampaign_add"), {"kinds": Kinds.BOTH, "cutoff": future}
    )
    page = response.content.decode()
    assert "ou toute l&#x27;académie (pas les deux)" in page
    assert "date passée" in page
    assert not RenewalCampaign.objects.exists()


def live_tokens(user: User, service: object) -> None:
    """What a service holds once the person logged in to it through the portal."""
    access = AccessToken.objects.create(
        user=user,
        application=service,
        token=f"a-{user.pk}",
        expires=timezone.now() + dt.timedelta(hours=1),
        scope="openid",
    )
    RefreshToken.objects.create(
        user=user, application=service, token=f"r-{user.pk}", access_token=access
    )


def test_ending_the_sessions_also_logs_the_accounts_out_of_the_services(
    accounts: dict[str, User],
    academie: User,
    college: Establishment,
    django_capture_on_commit_callbacks,
) -> None:
    ent = make_client()
    live_tokens(accounts["hugo"], ent)
    live_tokens(accounts["nora"], ent)  # the lycée's: not in this campaign
    with django_capture_on_commit_callbacks() as queued:
        start(academie, [college], ends_sessions=True)
    [logout] = BackchannelLogout.objects.all()
    assert (logout.user, logout.client, logout.reason) == (
        accounts["hugo"],
        ent,
        "renewal_campaign",
    )
    assert len(queued) == 1  # its delivery, after commit
    assert not AccessToken.objects.filter(user=accounts["hugo"]).exists()
    assert RefreshToken.objects.get(user=accounts["hugo"]).revoked is not None
    assert AccessToken.objects.filter(user=accounts["nora"]).exists()
    assert RefreshToken.objects.get(user=accounts["nora"]).revoked is None
