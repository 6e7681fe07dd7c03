"""« Mes enfants » → « Regrouper avec un autre de mes comptes », and the identifier a person
chooses, as a parent goes through them in Mon compte."""

from __future__ import annotations

import datetime as dt
import html
import re
from http import HTTPStatus

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Establishment, IdentifierAlias, User
from accounts.services import user_set_password
from notifications.backends.sms import LocmemSmsBackend
from notifications.models import Notification
from recovery import codes
from recovery.models import PendingRequest, VerificationCode
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


# --- Proving the other account by a code to its school-held mobile --------------------------

OTHER_MOBILE = "+33698765432"  # the lycée's number for the other account (fixture ``other``)


def ask_code(client: Client, identifier: str):
    return client.post(reverse("myaccount:merge_start"), {"identifier": identifier, "proof": "sms"})


def type_code(client: Client, code: str):
    return client.post(reverse("myaccount:merge_code"), {"code": code})


def code_sent_to(mobile: str) -> str:
    bodies = [sms.body for sms in LocmemSmsBackend.outbox if sms.to == mobile]
    assert bodies, LocmemSmsBackend.outbox
    match = re.search(r"\b(\d{6})\b", bodies[-1])
    assert match, bodies[-1]
    return match.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_parent_merges_their_other_account_with_a_code_sent_to_its_school_held_mobile(
    kept: User, other: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(kept)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_code(client, other.identifier)
    assert response["Location"] == reverse("myaccount:merge_code")
    assert [sms.to for sms in LocmemSmsBackend.outbox] == [OTHER_MOBILE]  # never kept's mobile
    assert "regrouper vos comptes" in LocmemSmsBackend.outbox[0].body
    page = text(client.get(reverse("myaccount:merge_code")))
    assert "Saisir le code reçu par SMS" in page and 'autocomplete="one-time-code"' in page
    code = code_sent_to(OTHER_MOBILE)
    assert code not in Notification.objects.get().body  # only the redacted copy is kept

    response = type_code(client, code)
    assert response["Location"] == reverse("myaccount:merge_confirm")
    preview = text(client.get(reverse("myaccount:merge_confirm")))
    assert "Hugo Dupont (Lycée Victor Hugo)" in preview and other.identifier in preview
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("myaccount:merge_confirm"))
    assert done["Location"] == reverse("myaccount:account")
    other.refresh_from_db()
    assert not other.is_active
    assert kept.guardian_records.count() == 2
    assert AuditEvent.objects.filter(
        subject=other, event_type=AuditEvent.Type.MERGE_CODE_SENT
    ).exists()
    assert AuditEvent.objects.filter(event_type=AuditEvent.Type.ACCOUNT_MERGED).count() == 1


def test_a_wrong_merge_code_is_refused_and_counted(
    kept: User, other: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(kept)
    with django_capture_on_commit_callbacks(execute=True):
        ask_code(client, other.identifier)
    code = code_sent_to(OTHER_MOBILE)
    response = type_code(client, wrong(code))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Code incorrect. Essais restants : 4." in text(response)
    assert (
        VerificationCode.objects.get(purpose=VerificationCode.Purpose.ACCOUNT_MERGE).attempts == 1
    )
    for _try in range(4):
        response = type_code(client, wrong(code))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Trop d'essais" in text(response)
    assert type_code(client, code)["Location"] == reverse("myaccount:merge_start")  # journey over
    assert client.get(reverse("myaccount:merge_confirm"))["Location"] == reverse(
        "myaccount:merge_start"
    )
    assert other.guardian_records.count() == 1


def test_an_unknown_or_unmergeable_identifier_gets_the_same_pages_and_no_sms(
    kept: User, other: User, college: Establishment, django_capture_on_commit_callbacks
) -> None:
    marie = make_parent_account(
        make_guardian(college, first_name="Marie", mobile="+33611111111")
    )  # another person: the rules forbid the merge, so nothing may be sent to her
    pages = {}
    for identifier in (other.identifier, "personne.inconnue1", marie.identifier):
        client = logged_in(kept)
        with django_capture_on_commit_callbacks(execute=True):
            response = ask_code(client, identifier)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("myaccount:merge_code")
        page = client.get(reverse("myaccount:merge_code"))
        assert page.status_code == HTTPStatus.OK
        # A wrong code: for the one account that got a code, anything but that code.
        typed_code = (
            wrong(code_sent_to(OTHER_MOBILE)) if identifier == other.identifier else "123456"
        )
        typed = type_code(client, typed_code)
        assert typed.status_code == HTTPStatus.BAD_REQUEST
        pages[identifier] = [
            comparable_page(text(shown)).replace(identifier, "X").replace(typed_code, "CODE")
            for shown in (page, typed)
        ]
    assert pages[other.identifier] == pages["personne.inconnue1"] == pages[marie.identifier]
    assert "Essais restants : 4" in pages[marie.identifier][1]
    assert [sms.to for sms in LocmemSmsBackend.outbox] == [OTHER_MOBILE]
    assert not VerificationCode.objects.filter(user=marie).exists()


def test_a_code_is_never_asked_for_the_signed_in_account_itself(
    kept: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(kept)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_code(client, kept.identifier)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "C'est le compte avec lequel vous êtes connecté(e)" in text(response)
    assert LocmemSmsBackend.outbox == []
    assert not PendingRequest.objects.exists()


def test_a_merge_code_cannot_reset_a_password_nor_a_reset_code_prove_a_merge(
    kept: User, other: User, django_capture_on_commit_callbacks
) -> None:
    merging = logged_in(kept)
    with django_capture_on_commit_callbacks(execute=True):
        ask_code(merging, other.identifier)
    merge_code = code_sent_to(OTHER_MOBILE)
    resetting = Client()
    resetting.post(  # not delivered: no reset code exists, only the merge code
        reverse("recovery:forgot_password"), {"identifier": other.identifier, "channel": "sms"}
    )
    response = resetting.post(reverse("recovery:forgot_password_sent"), {"code": merge_code})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Code incorrect" in text(response)
    assert resetting.get(reverse("recovery:forgot_password_new"))["Location"] == reverse(
        "recovery:forgot_password"
    )

    with django_capture_on_commit_callbacks(execute=True):
        resetting.post(
            reverse("recovery:forgot_password"), {"identifier": other.identifier, "channel": "sms"}
        )
    reset_code = code_sent_to(OTHER_MOBILE)
    response = type_code(merging, reset_code)  # the latest code to that mobile, not a merge one
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Code incorrect" in text(response)
    assert merging.get(reverse("myaccount:merge_confirm"))["Location"] == reverse(
        "myaccount:merge_start"
    )
    other.refresh_from_db()
    assert other.check_password(OTHER_PASSWORD) and other.is_active


def test_merge_codes_follow_the_code_policy_cool_down_and_hourly_quota(
    kept: User, other: User, django_capture_on_commit_callbacks
) -> None:
    client = logged_in(kept)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _request in range(2):  # the second one within the cool-down: held
            with django_capture_on_commit_callbacks(execute=True):
                assert ask_code(client, other.identifier)["Location"] == reverse(
                    "myaccount:merge_code"
                )
        assert len(LocmemSmsBackend.outbox) == 1
        resent = client.post(reverse("myaccount:merge_code_resend"), follow=True)
        assert "Patientez encore" in text(resent)
        for _minute in range(3):
            traveller.shift(dt.timedelta(seconds=61))
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("myaccount:merge_code_resend"))
        assert len(LocmemSmsBackend.outbox) == codes.MAX_CODES_PER_HOUR
        held = AuditEvent.objects.filter(subject=other, event_type=AuditEvent.Type.MERGE_CODE_HELD)
        assert sorted(event.details["reason"] for event in held) == [
            codes.COOLDOWN,
            codes.HOURLY_QUOTA,
        ]
        assert type_code(client, code_sent_to(OTHER_MOBILE))["Location"] == reverse(
            "myaccount:merge_confirm"
        )


def test_typing_merge_codes_is_rate_limited(kept: User, other: User, settings) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "merge_code": "2/15m/key,30/h/ip"}
    client = logged_in(kept)
    ask_code(client, other.identifier)  # not delivered: every code is wrong
    assert type_code(client, "111111").status_code == HTTPStatus.BAD_REQUEST
    assert type_code(client, "222222").status_code == HTTPStatus.BAD_REQUEST
    assert type_code(client, "333333").status_code == HTTPStatus.TOO_MANY_REQUESTS
