"""A parent comes to the lycée's counter with no mobile and no e-mail: the secretariat creates
the account from the guardian's record and prints a letter instead of the SMS; the parent
logs in with it, chooses a password, and sees the children.

Demo data: Olivier Girard is known to the lycée (Marc Petit's school) only, with neither mobile
nor e-mail, legal guardian of Noah; Patrick Dupont has an account and a record at the collège
(Claire Bernard's) and at the lycée; Bernard Lefèvre is only a level-2 contact of Chloé.
"""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.demo import seed_demo
from accounts.models import AuditEvent, Guardian, Student, User
from console.provisioning import guardians_provision

pytestmark = pytest.mark.django_db

OWN_PASSWORD = "Cartable-Orange-2027!"
ACTION = "create_accounts"
ALREADY_REGISTERED = "Olivier Girard a déjà un compte : aucun second compte n&#x27;a été créé."


@pytest.fixture(autouse=True)
def demo() -> None:
    seed_demo()


def console(identifier: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(identifier=identifier))
    return client


def guardian(external_id: str) -> Guardian:
    return Guardian.objects.get(external_id=external_id)


def create_accounts(staff: Client, guardians: list[Guardian], *, follow: bool = False):  # type: ignore[no-untyped-def]
    return staff.post(
        reverse("admin:accounts_guardian_changelist"),
        {"action": ACTION, ACTION_CHECKBOX_NAME: [g.pk for g in guardians]},
        follow=follow,
    )


def letter_password(html: str, identifier: str) -> str:
    section = html[html.index(identifier) :]
    match = re.search(r'Mot de passe provisoire</dt><dd class="secret">([^<]+)</dd>', section)
    assert match, section[:1000]
    return match.group(1)


def written() -> tuple[int, int, list[tuple[int, int | None, str]]]:
    """What a refused action must leave as it was: accounts, journal, records' accounts and
    passwords."""
    return (
        User.objects.count(),
        AuditEvent.objects.count(),
        sorted(
            (g.pk, g.account_id, g.account.password if g.account else "")
            for g in Guardian.objects.select_related("account")
        ),
    )


def test_the_lycee_creates_the_account_of_a_parent_at_the_counter_and_prints_its_letter() -> None:
    olivier = guardian("R009")
    response = create_accounts(console("marc.petit1"), [olivier])

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    olivier.refresh_from_db()
    user = olivier.account
    assert user is not None and user.identifier == "olivier.girard1"
    assert user.kind == User.Kind.PARENT and user.must_change_password
    assert user.activated_at is None  # until he chooses his own password
    assert (user.first_name, user.last_name) == ("Olivier", "Girard")
    assert list(user.guardian_records.all()) == [olivier]
    created = AuditEvent.objects.get(event_type=AuditEvent.Type.ACCOUNT_CREATED, subject=user)
    assert created.actor == User.objects.get(identifier="marc.petit1")
    assert created.establishment == olivier.establishment
    assert created.details["children"] == [Student.objects.get(external_id="E008").pk]

    assert html.count('class="letter"') == 1
    password = letter_password(html, "olivier.girard1")
    assert html.count(password) == 1
    assert "/connexion/" in html  # where to log in
    assert "Choisissez aussitôt votre propre mot de passe" in html
    assert "ajoutez votre adresse e-mail dans « Mon compte »" in html
    assert "donnez votre numéro de mobile au secrétariat" in html
    assert "Lycée Victor Hugo" in html and "01 60 00 00 02" in html  # whom to call
    assert date_format(timezone.localdate(), "DATE_FORMAT") in html
    assert reverse("admin:accounts_guardian_changelist") in html  # back to the guardians


def test_the_temporary_password_is_shown_once() -> None:
    staff = console("marc.petit1")
    olivier = guardian("R009")
    password = letter_password(create_accounts(staff, [olivier]).content.decode(), "olivier")

    again = create_accounts(staff, [olivier], follow=True)
    record_page = staff.get(reverse("admin:accounts_guardian_change", args=[olivier.pk]))
    account_page = staff.get(reverse("admin:accounts_user_change", args=[olivier.account_id]))

    assert again.status_code == HTTPStatus.OK
    assert ALREADY_REGISTERED in again.content.decode()
    assert 'class="letter"' not in again.content.decode()
    for page in (again, record_page, account_page):
        assert password not in page.content.decode()
    assert "Créer le compte et imprimer la lettre</button>" not in record_page.content.decode()
    assert User.objects.filter(guardian_records=olivier).count() == 1


def test_the_record_page_offers_the_action_while_the_record_has_no_account() -> None:
    page = console("marc.petit1").get(
        reverse("admin:accounts_guardian_change", args=[guardian("R009").pk])
    )

    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert f'value="{ACTION}"' in html
    assert "Créer le compte et imprimer la lettre</button>" in html


def test_the_parent_must_choose_a_password_at_first_login_which_activates_the_account() -> None:
    html = create_accounts(console("marc.petit1"), [guardian("R009")]).content.decode()
    password = letter_password(html, "olivier.girard1")

    parent = Client()
    login = parent.post(
        reverse("accounts:login"), {"identifier": "olivier.girard1", "password": password}
    )
    assert login.status_code == HTTPStatus.FOUND
    assert parent.get(reverse("myaccount:account"))["Location"] == reverse(
        "myaccount:change_password"
    )
    changed = parent.post(
        reverse("myaccount:change_password"),
        {
            "current_password": password,
            "new_password1": OWN_PASSWORD,
            "new_password2": OWN_PASSWORD,
        },
    )

    assert changed["Location"] == reverse("myaccount:account")
    user = User.objects.get(identifier="olivier.girard1")
    assert user.activated_at is not None and not user.must_change_password
    account_page = parent.get(reverse("myaccount:account"))
    assert account_page.status_code == HTTPStatus.OK
    assert "Noah" in account_page.content.decode()  # the child the roster gives him
    assert not Client().login(identifier="olivier.girard1", password=password)
    assert Client().login(identifier="olivier.girard1", password=OWN_PASSWORD)


def test_another_schools_secretary_can_neither_see_nor_provision_the_guardian() -> None:
    claire = console("claire.bernard1")  # the collège's secretary
    olivier = guardian("R009")
    before = written()

    listed = claire.get(reverse("admin:accounts_guardian_changelist"), {"compte": "sans"})
    record = claire.get(reverse("admin:accounts_guardian_change", args=[olivier.pk]))
    forged = create_accounts(claire, [olivier])

    assert listed.status_code == HTTPStatus.OK
    shown = set(listed.context["cl"].queryset.values_list("external_id", flat=True))
    assert shown and "R009" not in shown and "Girard" not in listed.content.decode()
    assert record.status_code == HTTPStatus.FOUND  # "no such record", the admin's way
    assert record["Location"] == reverse("admin:index")
    assert forged.status_code == HTTPStatus.FOUND
    assert written() == before


def test_a_guardian_who_already_has_an_account_is_refused_and_nothing_is_written() -> None:
    patrick = guardian("R001")  # the collège's record of an account the lycée holds too
    before = written()

    response = create_accounts(console("claire.bernard1"), [patrick], follow=True)

    assert response.status_code == HTTPStatus.OK
    assert (
        "Patrick Dupont a déjà un compte : aucun second compte n&#x27;a été créé."
        in response.content.decode()
    )
    assert 'class="letter"' not in response.content.decode()
    assert written() == before


def test_a_guardian_who_is_legal_guardian_of_no_child_gets_no_account() -> None:
    bernard = guardian("R006")  # only a contact of Chloé
    before = written()

    response = create_accounts(console("claire.bernard1"), [bernard], follow=True)

    assert "Bernard Lefèvre n&#x27;est représentant légal d&#x27;aucun élève" in (
        response.content.decode()
    )
    assert written() == before


def test_several_guardians_at_once_get_one_letter_each_and_the_page_names_the_refused() -> None:
    olivier, thi, patrick = guardian("R009"), guardian("R008"), guardian("R002")

    response = create_accounts(console("marc.petit1"), [olivier, thi, patrick])

    html = response.content.decode()
    assert html.count('class="letter"') == 2
    assert "olivier.girard1" in html and "thi.nguyen1" in html
    assert "Patrick Dupont a déjà un compte" in html
    patrick.refresh_from_db()
    assert User.objects.filter(guardian_records=patrick).get().identifier == "patrick.dupont1"
    assert User.objects.filter(kind=User.Kind.PARENT, identifier__startswith="patrick").count() == 1


def test_the_service_refuses_staff_of_another_school_and_writes_nothing() -> None:
    """Outside the console's scoped list (a forged call), the temporary password's own rule
    stops it: the account would be held by a school the staff member is not in."""
    claire = User.objects.get(identifier="claire.bernard1")
    before = written()

    with pytest.raises(PermissionDenied):
        guardians_provision(staff=claire, guardians=[guardian("R009")])

    assert written() == before


def test_the_service_reads_the_record_again_and_never_gives_it_a_second_account() -> None:
    """The list was read before another console tab created the account: the locked record
    is read again and refused."""
    marc = User.objects.get(identifier="marc.petit1")
    stale = guardian("R009")
    first = guardians_provision(staff=marc, guardians=[guardian("R009")])

    second = guardians_provision(staff=marc, guardians=[stale])

    assert [user.identifier for user, _password in first.created] == ["olivier.girard1"]
    assert second.created == [] and second.already_registered == [stale]
    assert User.objects.filter(guardian_records=stale).count() == 1
