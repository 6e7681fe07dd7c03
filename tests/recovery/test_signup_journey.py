"""A parent without an account registers by SMS (issue 5), through the test client."""

from __future__ import annotations

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import (
    AttachmentReport,
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    User,
)
from notifications.backends.sms import LocmemSmsBackend
from tests.conftest import make_guardian, make_parent_account, make_student
from tests.helpers import comparable_headers, comparable_page
from tests.recovery.conftest import last_code, text
from tests.recovery.signup_support import (
    NADIA_MOBILE,
    NEW_PASSWORD,
    answer,
    finish,
    legal_link,
    nadia_family,
    post_code,
    start,
)

pytestmark = pytest.mark.django_db


def _to_children_step(client: Client, delivered) -> None:
    with delivered():
        start(client)
    response = post_code(client, last_code())
    assert response["Location"] == reverse("recovery:signup_children")


def test_the_login_page_offers_self_registration(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert reverse("recovery:signup") in text(response)
    assert "Je n'ai pas encore d'identifiant" in text(response)


def test_it_registers_a_parent_end_to_end(client: Client, college: Establishment, delivered):
    family = nadia_family(college)
    with delivered():
        response = start(client)
    assert response["Location"] == reverse("recovery:signup_code")
    assert LocmemSmsBackend.outbox[-1].to == NADIA_MOBILE
    assert "création de compte" in LocmemSmsBackend.outbox[-1].body

    page = client.get(reverse("recovery:signup_code"))
    assert page.status_code == HTTPStatus.OK
    assert "+262 692 12 34 56" in text(page)
    assert "secrétariat" in text(page)

    assert post_code(client, last_code())["Location"] == reverse("recovery:signup_children")
    page = client.get(reverse("recovery:signup_children"))
    assert "Yanis Benali" in text(page) and "Collège Jean Moulin" in text(page)
    assert "4B" in text(page)
    assert "23/11/2011" not in text(page)

    yanis = family.children[0]
    response = answer(client, {yanis: ("oui", "23/11/2011")})
    assert response["Location"] == reverse("recovery:signup_password")
    page = client.get(reverse("recovery:signup_password"))
    assert "nadia.benali1" in text(page)
    assert "Je prends note de mon identifiant" in text(page)

    with delivered():
        response = finish(client)
    assert response["Location"] == reverse("myaccount:account")
    user = User.objects.get(identifier="nadia.benali1")
    assert user.kind == User.Kind.PARENT and user.activated_at is not None
    assert user.check_password(NEW_PASSWORD)
    family.guardian.refresh_from_db()
    assert family.guardian.account == user
    assert "nadia.benali1" in LocmemSmsBackend.outbox[-1].body
    assert "Bienvenue" in LocmemSmsBackend.outbox[-1].body

    account = client.get(reverse("myaccount:account"))
    assert account.status_code == HTTPStatus.OK
    assert "Yanis Benali" in text(account)
    events = set(AuditEvent.objects.filter(subject=user).values_list("event_type", flat=True))
    assert {"account_created", "login_succeeded"} <= events
    assert AuditEvent.objects.filter(event_type="signup_code_sent").exists()


def test_names_match_whatever_the_case_accents_hyphens_and_spaces(
    client: Client, college: Establishment, delivered
) -> None:
    make_guardian(college, last_name="Lefèvre", first_name="Marie-Hélène", mobile="+33611223344")
    with delivered():
        start(client, last_name="  LEFEVRE ", first_name="marie helene", mobile="06 11 22 33 44")
    assert len(LocmemSmsBackend.outbox) == 1
    assert LocmemSmsBackend.outbox[0].to == "+33611223344"


def test_no_match_gets_the_same_page_status_and_body(client: Client, college, delivered):
    nadia_family(college)
    answers = []
    for last_name in ("Benali", "Inconnue"):
        browser = Client()
        with CaptureQueriesContext(connection) as queries:
            response = start(browser, last_name=last_name)
        follow = browser.get(response["Location"])
        answers.append(
            (
                response.status_code,
                response["Location"],
                comparable_headers(response),
                len(queries),
                follow.status_code,
                comparable_page(follow.content.decode()),
            )
        )
    assert answers[0] == answers[1]

    with delivered():
        start(client, last_name="Inconnue")
    assert LocmemSmsBackend.outbox == []
    assert post_code(client, "123456").status_code == HTTPStatus.BAD_REQUEST


def test_an_already_registered_parent_gets_the_identifier_not_a_code(
    client: Client, parent: User, delivered
) -> None:
    with delivered():
        response = start(client, last_name="Dupont", first_name="Patrick", mobile="06 12 34 56 78")
    assert response["Location"] == reverse("recovery:signup_code")
    assert len(LocmemSmsBackend.outbox) == 1
    body = LocmemSmsBackend.outbox[0].body
    assert "patrick.dupont1" in body and "déjà un compte" in body
    assert not any(ch.isdigit() for ch in body.replace("patrick.dupont1", ""))
    assert not User.objects.exclude(pk=parent.pk).exists()


def test_three_wrong_birth_dates_end_the_flow(client: Client, college, delivered):
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    response = answer(client, {yanis: ("oui", "24/11/2011")})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "ne correspond pas" in text(response) and "Essais restants : 2" in text(response)
    assert "Essais restants : 1" in text(answer(client, {yanis: ("oui", "23/11/2012")}))

    response = answer(client, {yanis: ("oui", "01/01/2011")})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Contactez le secrétariat" in text(response)
    assert AuditEvent.objects.filter(event_type="signup_blocked").count() == 1
    # The flow is over: even the right date now leads back to the start.
    response = answer(client, {yanis: ("oui", "23/11/2011")})
    assert response["Location"] == reverse("recovery:signup")
    assert not User.objects.exists()


def test_a_badly_written_date_is_not_counted_as_a_wrong_one(client: Client, college, delivered):
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    for typed in ("31/02/2011", "23/11/11", "", "hier"):
        response = answer(client, {yanis: ("oui", typed)})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "Essais restants" not in text(response)
    assert answer(client, {yanis: ("oui", "23 11 2011")})["Location"] == reverse(
        "recovery:signup_password"
    )


def test_answering_non_for_one_child_files_a_report_and_leaves_it_out(
    client: Client, college, delivered
) -> None:
    family = nadia_family(college)
    yanis = family.children[0]
    lina = make_student(
        college, last_name="Benali", first_name="Lina", birth_date=dt.date(2014, 5, 2)
    )
    legal_link(family.guardian, lina)
    _to_children_step(client, delivered)

    response = answer(client, {yanis: ("non", ""), lina: ("non", "")})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Confirmez au moins un élève" in text(response)

    response = answer(client, {yanis: ("oui", "23/11/2011"), lina: ("non", "")})
    assert response["Location"] == reverse("recovery:signup_password")
    with delivered():
        finish(client)

    user = User.objects.get(identifier="nadia.benali1")
    report = AttachmentReport.objects.get()
    assert (report.reporter, report.student, report.establishment) == (user, lina, college)
    assert report.guardian == family.guardian
    assert report.status == AttachmentReport.Status.OPEN
    assert "retiré" in report.comment
    assert not Guardianship.objects.filter(student=lina, guardian=family.guardian).exists()
    account = text(client.get(reverse("myaccount:account")))
    children, _sep, reports = account.partition("Mes signalements")
    assert "Yanis Benali" in children and "Lina Benali" not in children
    assert "Lina Benali — À traiter" in reports  # the refusal, awaiting the school's answer


def test_children_in_two_establishments_are_attached_to_one_account(
    client: Client, college: Establishment, lycee: Establishment, delivered
) -> None:
    """Patrick Dupont's pattern: one parent declared by two schools, no account yet."""
    mobile = "+33687654321"
    records = [
        make_guardian(college, last_name="Moreau", first_name="Jean", mobile=mobile),
        make_guardian(lycee, last_name="MOREAU", first_name="Jean", mobile=mobile),
    ]
    lou = make_student(college, last_name="Moreau", first_name="Lou", class_name="6C")
    tom = make_student(
        lycee,
        last_name="Moreau",
        first_name="Tom",
        birth_date=dt.date(2008, 1, 9),
        class_name="1re G1",
    )
    legal_link(records[0], lou)
    legal_link(records[1], tom)
    with delivered():
        start(client, last_name="Moreau", first_name="Jean", mobile="06 87 65 43 21")
    assert len(LocmemSmsBackend.outbox) == 1  # one code for both records
    post_code(client, last_code())

    page = text(client.get(reverse("recovery:signup_children")))
    assert "Collège Jean Moulin" in page and "Lycée Victor Hugo" in page
    assert "6C" in page and "1re G1" in page
    answer(client, {lou: ("oui", "14/03/2012"), tom: ("oui", "09.01.2008")})
    with delivered():
        finish(client)

    user = User.objects.get(identifier="jean.moreau1")
    assert set(Guardian.objects.filter(account=user)) == set(records)
    account = text(client.get(reverse("myaccount:account")))
    assert "Lou Moreau" in account and "Tom Moreau" in account
    assert "Lycée Victor Hugo" in account


def test_only_legal_guardian_links_are_listed(client: Client, college, delivered):
    family = nadia_family(college)
    cousin = make_student(college, last_name="Haddad", first_name="Sami")
    legal_link(family.guardian, cousin, level=2)
    _to_children_step(client, delivered)
    page = text(client.get(reverse("recovery:signup_children")))
    assert "Yanis Benali" in page and "Sami Haddad" not in page


def test_homonyms_with_different_numbers_match_only_the_right_record(
    client: Client, college: Establishment, lycee: Establishment, delivered
) -> None:
    nadia = nadia_family(college)
    other = make_guardian(lycee, last_name="Benali", first_name="Nadia", mobile="+33699887766")
    other_child = make_student(lycee, last_name="Benali", first_name="Adam")
    legal_link(other, other_child)

    _to_children_step(client, delivered)
    assert [sms.to for sms in LocmemSmsBackend.outbox] == [NADIA_MOBILE]
    page = text(client.get(reverse("recovery:signup_children")))
    assert "Yanis Benali" in page and "Adam Benali" not in page
    answer(client, {nadia.children[0]: ("oui", "23/11/2011")})
    with delivered():
        finish(client)
    other.refresh_from_db()
    assert other.account is None


def test_skipped_steps_lead_back_to_the_start(client: Client, college, delivered):
    yanis = nadia_family(college).children[0]
    signup = reverse("recovery:signup")
    assert client.get(reverse("recovery:signup_code"))["Location"] == signup
    assert answer(client, {yanis: ("oui", "23/11/2011")})["Location"] == signup
    assert finish(client)["Location"] == signup
    with delivered():
        start(client)
    # The code step is not passed: the later steps still send back to the start.
    assert answer(client, {yanis: ("oui", "23/11/2011")})["Location"] == signup
    start(client)
    assert finish(client)["Location"] == signup
    assert not User.objects.exists()


def test_a_replayed_code_step_and_children_step_move_forward_only(
    client: Client, college, delivered
) -> None:
    yanis = nadia_family(college).children[0]
    with delivered():
        start(client)
    code = last_code()
    post_code(client, code)
    assert post_code(client, code)["Location"] == reverse("recovery:signup_children")
    answer(client, {yanis: ("oui", "23/11/2011")})
    response = answer(client, {yanis: ("oui", "23/11/2011")})
    assert response["Location"] == reverse("recovery:signup_password")

    other = Client()  # the same code typed in another browser
    start(other)
    response = post_code(other, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "déjà servi" in text(response)


def test_it_refuses_an_expired_code(client: Client, college, delivered):
    nadia_family(college)
    with delivered():
        start(client)
    code = last_code()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30, seconds=1)):
        response = post_code(client, code)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Ce code a expiré" in text(response)


def test_a_double_submitted_final_step_creates_one_account(client: Client, college, delivered):
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    answer(client, {yanis: ("oui", "23/11/2011")})
    with delivered():
        first = finish(client)
        second = finish(client)
    assert first["Location"] == second["Location"] == reverse("myaccount:account")
    assert User.objects.count() == 1
    assert [sms.body for sms in LocmemSmsBackend.outbox].count(
        LocmemSmsBackend.outbox[-1].body
    ) == 1


def test_a_replayed_final_step_from_an_old_session_creates_nothing(
    client: Client, college, delivered
) -> None:
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    answer(client, {yanis: ("oui", "23/11/2011")})
    saved = dict(client.session["recovery.signup"])
    finish(client)

    replay = Client()
    session = replay.session
    session["recovery.signup"] = saved
    session.save()
    replay.cookies["sessionid"] = session.session_key
    response = finish(replay, password="Autre-Mot-De-Passe-2027")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Un compte existe déjà" in text(response)
    assert User.objects.count() == 1


def test_the_final_step_needs_the_identifier_noted_and_a_good_password(
    client: Client, college, delivered
) -> None:
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    answer(client, {yanis: ("oui", "23/11/2011")})
    response = finish(client, noted=False)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "noté votre identifiant" in text(response)
    response = finish(client, password="nadia.benali1")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    response = client.post(
        reverse("recovery:signup_password"),
        {"identifier_noted": "on", "new_password1": NEW_PASSWORD, "new_password2": "autre"},
    )
    assert "ne sont pas identiques" in text(response)
    assert not User.objects.exists()


def test_the_identifier_takes_the_smallest_free_number(client: Client, college, delivered):
    namesake = make_guardian(college, last_name="Benali", first_name="Nadia", mobile="+33600000001")
    make_parent_account(namesake)
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    answer(client, {yanis: ("oui", "23/11/2011")})
    assert "nadia.benali2" in text(client.get(reverse("recovery:signup_password")))
    with delivered():
        finish(client)
    assert User.objects.filter(identifier="nadia.benali2").exists()


def test_a_resend_waits_for_the_cool_down_then_supersedes(client: Client, college, delivered):
    nadia_family(college)
    with delivered():
        start(client)
        response = client.post(reverse("recovery:signup_resend"), follow=True)
    assert "Patientez encore" in text(response)
    assert len(LocmemSmsBackend.outbox) == 1
    first = last_code()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        with delivered():
            client.post(reverse("recovery:signup_resend"))
        second = last_code()
        assert len(LocmemSmsBackend.outbox) == 2
        if first != second:  # one chance in a million that both codes are the same
            assert "un code plus récent" in text(post_code(client, first))
        assert post_code(client, second)["Location"] == reverse("recovery:signup_children")


def test_asking_again_and_again_for_one_number_gets_a_french_429(client: Client) -> None:
    for _try in range(5):
        assert start(client).status_code == HTTPStatus.FOUND
    response = start(Client(REMOTE_ADDR="10.0.0.9"), mobile="+262 692 12 34 56")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Trop de demandes" in text(response)
    assert start(client, mobile="06 12 34 56 78").status_code == HTTPStatus.FOUND


def test_a_wrong_looking_start_form_is_answered_in_french(client: Client) -> None:
    response = client.post(reverse("recovery:signup"), {"last_name": "", "mobile": "12"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = text(response)
    assert "Saisissez votre nom." in page and "Saisissez votre prénom." in page
    assert "numéro de mobile n'est pas valide" in page


@pytest.mark.parametrize(
    "typed",
    [
        "\x00",
        "１４/０３/２０１２\x00",
        "9" * 5000,
        "31/02/2015",
        "𝟑𝟏/𝟎𝟐/𝟐𝟎𝟏𝟓",
        "٣١/١٢/١٩٨٩",
        "14/03/12",
    ],
)
def test_odd_birth_dates_get_a_400_never_a_500(client: Client, college, delivered, typed):
    yanis = nadia_family(college).children[0]
    _to_children_step(client, delivered)
    response = answer(client, {yanis: ("oui", typed)})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Essais restants" not in text(response)
    response = client.post(reverse("recovery:signup_children"), {f"legal_{yanis.pk}": "peut-être"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_record_without_any_legal_child_is_sent_to_the_school(
    client: Client, college, delivered
) -> None:
    bernard = make_guardian(college, last_name="Lefèvre", first_name="Bernard", mobile=NADIA_MOBILE)
    legal_link(bernard, make_student(college, first_name="Chloé", last_name="Lefèvre"), level=2)
    with delivered():
        start(client, last_name="Lefevre", first_name="Bernard")
    response = post_code(client, last_code())
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "représentant légal" in text(response) and "secrétariat" in text(response)
    assert client.get(reverse("recovery:signup_children"))["Location"] == reverse("recovery:signup")
