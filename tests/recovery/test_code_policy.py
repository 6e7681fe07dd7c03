"""The code form and the code policy, tested on their own (flows driven without HTTP)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import AuditEvent, User
from recovery import codes
from recovery.deliveries.merge_code import merge_code_deliver
from recovery.deliveries.password_reset import password_reset_deliver
from recovery.errors import CodeInvalid, FlowExpired, TooManyAttempts
from recovery.flows.forgot_password import ForgotPasswordFlow, Step
from recovery.forms.forgot import CodeForm
from recovery.models import VerificationCode
from tests.conftest import make_guardian, make_parent_account

FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)}


@given(
    digits=st.text(alphabet="0123456789", min_size=6, max_size=6),
    separators=st.lists(
        st.sampled_from(["", " ", "  ", "-", "\u00a0", "."]), min_size=7, max_size=7
    ),
    full_width=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_every_way_of_typing_six_digits_gives_those_digits(
    digits: str, separators: list[str], full_width: list[bool]
) -> None:
    typed = separators[0] + "".join(
        (FULL_WIDTH[d] if wide else d) + separators[i + 1]
        for i, (d, wide) in enumerate(zip(digits, full_width, strict=True))
    )
    form = CodeForm(data={"code": typed})
    assert form.is_valid(), (typed, form.errors)
    assert form.cleaned_data["code"] == digits


@given(st.text(max_size=40))
def test_anything_else_is_refused_with_a_french_message_never_an_exception(typed: str) -> None:
    form = CodeForm(data={"code": typed})
    if form.is_valid():
        code = form.cleaned_data["code"]
        assert len(code) == 6 and code.isascii() and code.isdigit()
    else:
        assert form.errors["code"]


def test_codes_are_six_digits_and_hashed_at_rest() -> None:
    code = codes.new_code()
    assert len(code) == 6 and code.isdigit()
    assert code not in codes.hash_secret(code)
    assert len(codes.new_link_token()) >= 22  # 128 bits at least


MOBILE = "+33612345678"
NEW_MOBILE = "+33611112222"


@pytest.mark.django_db
def test_an_account_gets_at_most_three_codes_an_hour_a_minute_apart(parent: User) -> None:
    start = timezone.now()
    sent = []
    for minute in (0, 0.5, 1.1, 2.2, 3.3, 61.5):
        moment = start + dt.timedelta(minutes=minute)
        sent.append(
            codes.may_issue(
                user_id=parent.pk, purpose="password_reset", destination=MOBILE, now=moment
            )
        )
        if sent[-1]:
            codes.code_issue(
                purpose="password_reset",
                channel="sms",
                destination="+33612345678",
                user_id=parent.pk,
                secret=codes.new_code(),
                now=moment,
            )
            VerificationCode.objects.filter(pk=VerificationCode.objects.latest("pk").pk).update(
                created_at=moment
            )
    assert sent == [True, False, True, True, False, True]


@pytest.mark.django_db
def test_an_account_gets_at_most_ten_codes_a_day(parent: User) -> None:
    start = timezone.now()
    for hour in range(10):
        VerificationCode.objects.create(
            purpose="password_reset",
            channel="sms",
            destination="+33612345678",
            user=parent,
            secret_hash="x",
            expires_at=start,
        )
        VerificationCode.objects.filter(pk=VerificationCode.objects.latest("pk").pk).update(
            created_at=start + dt.timedelta(hours=hour * 2)
        )
    later = start + dt.timedelta(hours=21)
    assert not codes.may_issue(
        user_id=parent.pk, purpose="password_reset", destination=MOBILE, now=later
    )
    assert (
        codes.quota_refusal(
            user_id=parent.pk, purpose="password_reset", destination=MOBILE, now=later
        )
        == codes.DAILY_QUOTA
    )
    assert codes.may_issue(
        user_id=parent.pk,
        purpose="password_reset",
        destination=MOBILE,
        now=later + dt.timedelta(hours=4),
    )


@pytest.mark.django_db
def test_the_cool_down_keys_on_the_destination_and_the_quotas_on_the_account(
    parent: User,
) -> None:
    now = timezone.now()
    for _code in range(2):
        codes.code_issue(
            purpose="password_reset",
            channel="sms",
            destination=MOBILE,
            user_id=parent.pk,
            secret=codes.new_code(),
            now=now,
        )
    # The school has just corrected the number: the new one gets its code at once...
    assert not codes.may_issue(
        user_id=parent.pk, purpose="password_reset", destination=MOBILE, now=now
    )
    assert codes.may_issue(
        user_id=parent.pk, purpose="password_reset", destination=NEW_MOBILE, now=now
    )
    codes.code_issue(
        purpose="password_reset",
        channel="sms",
        destination=NEW_MOBILE,
        user_id=parent.pk,
        secret=codes.new_code(),
        now=now,
    )
    # ...but the account's hourly quota counts the codes to every number.
    later = now + dt.timedelta(minutes=5)
    assert not codes.may_issue(
        user_id=parent.pk, purpose="password_reset", destination="+33698765432", now=later
    )


@pytest.mark.django_db
def test_a_refused_code_says_why_in_the_journal(parent: User) -> None:
    start = timezone.now()
    for minute in (0, 0.5, 1.1, 2.2, 3.3):
        with time_machine.travel(start + dt.timedelta(minutes=minute)):
            password_reset_deliver(identifier=parent.identifier, channel="sms", ip_address="::1")
    held = AuditEvent.objects.filter(subject=parent, event_type__startswith="reset_code_held")
    reasons = list(held.order_by("created_at").values_list("event_type", "details", "ip_address"))
    assert reasons == [
        (AuditEvent.Type.RESET_CODE_HELD_COOLDOWN, {"channel": "sms"}, "::1"),
        (AuditEvent.Type.RESET_CODE_HELD_HOURLY, {"channel": "sms"}, "::1"),
    ]


@pytest.mark.django_db
def test_the_flow_object_walks_the_steps_without_http(parent: User) -> None:
    session = SessionStore()
    flow = ForgotPasswordFlow(session)
    with pytest.raises(FlowExpired):
        flow.confirm("123456")
    flow.initiate(identifier=parent.identifier, channel="sms", ip_address="127.0.0.1")
    assert password_reset_deliver(identifier=parent.identifier, channel="sms")
    row = VerificationCode.objects.get()
    assert row.secret_hash != "" and row.user == parent
    wrong = "000000"
    for _try in range(codes.MAX_ATTEMPTS - 1):
        with pytest.raises(CodeInvalid):
            flow.confirm(wrong if not codes.matches(row, wrong) else "111111")
    with pytest.raises(TooManyAttempts):
        flow.confirm(wrong if not codes.matches(row, wrong) else "111111")
    with pytest.raises(FlowExpired):
        flow.resume(Step.CODE)


@pytest.mark.django_db
def test_merge_codes_follow_the_same_quotas_counted_apart_from_reset_codes(
    parent: User, lycee
) -> None:
    """A merge code is asked for from another account: it never uses up the reset's allowance,
    and the reset never uses up the merge's."""
    requester = make_parent_account(make_guardian(lycee, mobile="+33698765432"))
    start = timezone.now()
    merges = []
    for minute in (0, 0.5, 1.1, 2.2, 3.3):
        with time_machine.travel(start + dt.timedelta(minutes=minute)):
            merges.append(
                merge_code_deliver(identifier=parent.identifier, requester_id=str(requester.pk))
            )
            assert (
                password_reset_deliver(identifier=parent.identifier, channel="sms") == (merges[-1])
            )
    assert merges == [True, False, True, True, False]
    kinds = VerificationCode.objects.values_list("purpose", flat=True)
    assert sorted(kinds) == ["account_merge"] * 3 + ["password_reset"] * 3
    held = AuditEvent.objects.filter(subject=parent, event_type=AuditEvent.Type.MERGE_CODE_HELD)
    assert [event.details["reason"] for event in held.order_by("created_at")] == [
        codes.COOLDOWN,
        codes.HOURLY_QUOTA,
    ]
