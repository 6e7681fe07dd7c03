"""The self-registration flow object and its delivery, driven directly without HTTP."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from accounts.models import AuditEvent, Establishment, Guardian, User
from core.http import RequestFacts
from notifications.backends.sms import LocmemSmsBackend
from recovery import codes
from recovery.deliveries import signup_code
from recovery.errors import CodeInvalid, CodeUsed, FlowExpired, TooManyAttempts
from recovery.flows import signup
from recovery.flows.signup import Decision, SignupFlow, Step
from recovery.models import VerificationCode
from tests.conftest import make_guardian, make_parent_account
from tests.recovery.signup_support import NADIA_MOBILE, NEW_PASSWORD, YANIS_BORN, nadia_family

pytestmark = pytest.mark.django_db

FACTS = RequestFacts(ip_address="203.0.113.7", user_agent="pytest")


def _deliver(**overrides: str) -> str:
    typed = {"last_name": "Benali", "first_name": "Nadia", "mobile": NADIA_MOBILE, **overrides}
    return signup_code.signup_code_deliver(**typed)


def _sent_code() -> str:
    match = re.search(r"\b(\d{6})\b", LocmemSmsBackend.outbox[-1].body)
    assert match
    return match.group(1)


def _flow_at_children(delivered) -> SignupFlow:
    flow = SignupFlow(SessionStore())
    with delivered():
        flow.initiate(last_name="Benali", first_name="Nadia", mobile=NADIA_MOBILE, ip_address="")
    flow.confirm(_sent_code())
    return flow


def test_it_stores_a_hashed_code_keyed_by_number_without_an_account(college, delivered) -> None:
    nadia_family(college)
    with delivered():
        assert _deliver() == "code"
    row = VerificationCode.objects.get()
    assert (row.purpose, row.destination, row.user) == ("signup", NADIA_MOBILE, None)
    assert _sent_code() not in row.secret_hash
    lifetime = row.expires_at - row.created_at
    assert lifetime == pytest.approx(codes.CODE_LIFETIME, abs=dt.timedelta(seconds=1))


def test_a_new_code_supersedes_the_live_one_for_the_number(college) -> None:
    nadia_family(college)
    _deliver()
    with time_machine.travel(timezone.now() + codes.RESEND_COOLDOWN + dt.timedelta(seconds=1)):
        _deliver()
    first, second = VerificationCode.objects.order_by("created_at")
    assert first.is_consumed and not second.is_consumed


def test_the_cool_down_and_hourly_quota_are_counted_per_number(college) -> None:
    nadia_family(college)
    start = timezone.now()
    assert _deliver() == "code"
    assert _deliver() == "nothing"  # within the cool-down
    for minutes in (2, 4):
        with time_machine.travel(start + dt.timedelta(minutes=minutes)):
            assert _deliver() == "code"
    with time_machine.travel(start + dt.timedelta(minutes=6)):
        assert _deliver() == "nothing"  # 3 an hour
    with time_machine.travel(start + dt.timedelta(minutes=61)):
        assert _deliver() == "code"
    assert VerificationCode.objects.count() == 4
    assert _deliver(mobile="+33612345678") == "nothing"  # another number: its own allowance


def test_the_daily_quota_is_counted_per_number(college, settings) -> None:
    settings.SMS_BUDGET_PER_DESTINATION_PER_DAY = 100  # the quota, not the SMS budget, decides
    nadia_family(college)
    start = timezone.now()
    for request in range(codes.MAX_CODES_PER_DAY):  # one every two hours: no hourly limit
        with time_machine.travel(start + dt.timedelta(hours=2 * request)):
            assert _deliver() == "code"
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=30)):
        assert _deliver() == "nothing"  # the eleventh of the day
    with time_machine.travel(start + dt.timedelta(days=1, hours=1)):
        assert _deliver() == "code"  # the first of the day is out of the window


def test_nothing_is_sent_when_the_school_recorded_a_refusal_of_sms(college) -> None:
    family = nadia_family(college)
    Guardian.objects.filter(pk=family.guardian.pk).update(accepts_sms=False)
    assert _deliver() == "nothing"
    assert LocmemSmsBackend.outbox == []


def test_a_registered_record_gets_the_identifier_even_beside_an_unregistered_one(
    college: Establishment, lycee: Establishment, delivered
) -> None:
    registered = make_guardian(college)
    make_parent_account(registered)
    make_guardian(lycee)  # the same person, declared by a second school, not yet tied
    with delivered():
        outcome = _deliver(last_name="DUPONT", first_name="patrick", mobile="+33612345678")
    assert outcome == "identifier"
    assert "patrick.dupont1" in LocmemSmsBackend.outbox[0].body
    assert not VerificationCode.objects.exists()
    assert AuditEvent.objects.filter(event_type="identifier_reminder_sent").count() == 1


def test_five_wrong_codes_kill_the_flow(college, delivered) -> None:
    nadia_family(college)
    flow = SignupFlow(SessionStore())
    with delivered():
        flow.initiate(last_name="Benali", first_name="Nadia", mobile=NADIA_MOBILE, ip_address="")
    wrong = f"{(int(_sent_code()) + 1) % 1_000_000:06d}"
    for remaining in (4, 3, 2, 1):
        with pytest.raises(CodeInvalid) as caught:
            flow.confirm(wrong)
        assert caught.value.remaining == remaining
    with pytest.raises(TooManyAttempts):
        flow.confirm(wrong)
    assert VerificationCode.objects.get().attempts == codes.MAX_ATTEMPTS
    with pytest.raises(FlowExpired):
        flow.confirm(_sent_code())


def test_a_code_is_single_use(college, delivered) -> None:
    nadia_family(college)
    flow = _flow_at_children(delivered)
    assert flow.step() == Step.CHILDREN
    other = SignupFlow(SessionStore())
    other.initiate(last_name="Benali", first_name="Nadia", mobile=NADIA_MOBILE, ip_address="")
    with pytest.raises(CodeUsed):
        other.confirm(_sent_code())


def test_each_step_refuses_to_run_out_of_order(college) -> None:
    yanis = nadia_family(college).children[0]
    flow = SignupFlow(SessionStore())
    with pytest.raises(FlowExpired):
        flow.confirm("123456")
    with pytest.raises(FlowExpired):
        flow.confirm_children({yanis.pk: Decision(True, YANIS_BORN)})
    with pytest.raises(FlowExpired):
        flow.finish(password=NEW_PASSWORD, facts=FACTS)
    flow.initiate(last_name="Benali", first_name="Nadia", mobile=NADIA_MOBILE, ip_address="")
    with pytest.raises(FlowExpired):
        flow.finish(password=NEW_PASSWORD, facts=FACTS)


def test_answers_must_cover_exactly_the_children_listed(college, delivered) -> None:
    nadia_family(college)
    flow = _flow_at_children(delivered)
    with pytest.raises(FlowExpired):
        flow.confirm_children({999_999: Decision(True, YANIS_BORN)})


def test_three_wrong_dates_in_all_end_the_flow_and_are_audited(college, delivered) -> None:
    yanis = nadia_family(college).children[0]
    flow = _flow_at_children(delivered)
    wrong = {yanis.pk: Decision(True, dt.date(2011, 11, 24))}
    for remaining in (2, 1):
        with pytest.raises(signup.BirthDateMismatch) as caught:
            flow.confirm_children(wrong)
        assert (caught.value.student_ids, caught.value.remaining) == ([yanis.pk], remaining)
    with pytest.raises(signup.TooManyWrongBirthDates):
        flow.confirm_children(wrong)
    event = AuditEvent.objects.get(event_type="signup_blocked")
    assert event.establishment == college and event.details["wrong_dates"] == 3
    with pytest.raises(FlowExpired):
        flow.children()


def test_every_child_answered_non_cannot_continue(college, delivered) -> None:
    yanis = nadia_family(college).children[0]
    flow = _flow_at_children(delivered)
    with pytest.raises(signup.NoChildConfirmed):
        flow.confirm_children({yanis.pk: Decision(False)})
    assert flow.step() == Step.CHILDREN


def test_finish_creates_the_account_once_even_from_two_copies_of_the_state(
    college, delivered
) -> None:
    family = nadia_family(college)
    flow = _flow_at_children(delivered)
    flow.confirm_children({family.children[0].pk: Decision(True, YANIS_BORN)})
    replay = SignupFlow(dict(flow.session))
    assert flow.future_account().identifier == "nadia.benali1"

    with delivered():
        user = flow.finish(password=NEW_PASSWORD, facts=FACTS)
    assert user.identifier == "nadia.benali1" and flow.is_done()
    with pytest.raises(signup.AlreadyRegistered):
        replay.finish(password=NEW_PASSWORD, facts=FACTS)
    assert User.objects.count() == 1
    family.guardian.refresh_from_db()
    assert family.guardian.account == user
    assert (user.first_name, user.last_name) == ("Nadia", "Benali")  # the school's spelling


def test_the_account_takes_the_names_the_school_recorded(college, delivered) -> None:
    family = nadia_family(college)
    Guardian.objects.filter(pk=family.guardian.pk).update(last_name="Ben Ali")
    flow = SignupFlow(SessionStore())
    with delivered():
        flow.initiate(last_name="benali", first_name="NADIA", mobile=NADIA_MOBILE, ip_address="")
    flow.confirm(_sent_code())
    flow.confirm_children({family.children[0].pk: Decision(True, YANIS_BORN)})
    user = flow.finish(password=NEW_PASSWORD, facts=FACTS)
    assert (user.first_name, user.last_name, user.identifier) == (
        "Nadia",
        "Ben Ali",
        "nadia.ben-ali1",
    )


def test_the_children_step_expires_an_hour_after_the_code(college, delivered) -> None:
    nadia_family(college)
    flow = _flow_at_children(delivered)
    with (
        time_machine.travel(timezone.now() + signup.SignupFlow.lifetime + dt.timedelta(seconds=1)),
        pytest.raises(FlowExpired),
    ):
        flow.children()


def test_a_new_code_does_not_buy_three_more_birth_dates_for_a_day(college, delivered) -> None:
    yanis = nadia_family(college).children[0]
    flow = _flow_at_children(delivered)
    wrong = {yanis.pk: Decision(True, dt.date(2011, 11, 24))}
    for _try in range(2):
        with pytest.raises(signup.BirthDateMismatch):
            flow.confirm_children(wrong)
    with pytest.raises(signup.TooManyWrongBirthDates):
        flow.confirm_children(wrong)

    later = timezone.now() + dt.timedelta(minutes=5)
    with time_machine.travel(later), pytest.raises(signup.TooManyWrongBirthDates):
        _flow_at_children(delivered)
    with time_machine.travel(later + signup.BLOCK_AFTER_WRONG_DATES):
        assert _flow_at_children(delivered).step() == Step.CHILDREN


def test_wrong_dates_add_up_across_flows_of_one_number(college, delivered) -> None:
    """Counted per mobile outside the session: two wrong dates, a new code, and the third
    wrong date of the day ends it (the session used to start again from zero)."""
    yanis = nadia_family(college).children[0]
    wrong = {yanis.pk: Decision(True, dt.date(2011, 11, 24))}
    first = _flow_at_children(delivered)
    for remaining in (2, 1):
        with pytest.raises(signup.BirthDateMismatch) as caught:
            first.confirm_children(wrong)
        assert caught.value.remaining == remaining
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        second = _flow_at_children(delivered)
        with pytest.raises(signup.TooManyWrongBirthDates):
            second.confirm_children(wrong)
    assert AuditEvent.objects.filter(event_type="signup_blocked").count() == 1


def test_a_right_date_after_two_wrong_ones_still_passes(college, delivered) -> None:
    yanis = nadia_family(college).children[0]
    flow = _flow_at_children(delivered)
    for _try in range(2):
        with pytest.raises(signup.BirthDateMismatch):
            flow.confirm_children({yanis.pk: Decision(True, dt.date(2011, 11, 24))})
    flow.confirm_children({yanis.pk: Decision(True, YANIS_BORN)})
    assert flow.step() == Step.PASSWORD
