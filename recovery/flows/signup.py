"""Parent self-registration: names + mobile → SMS code → children → password → done.

1. ``initiate`` keeps what was typed in the session and enqueues ``recovery.deliver_signup_code``;
   the task (``recovery.deliveries.signup_code``) looks the roster up and sends, off the
   request path, so a match and no match get the same page, the same status and the same work.
2. ``confirm`` checks the code. Signup codes have no account yet: they are keyed by purpose and
   destination (the E.164 mobile), a new one supersedes the live ones for that number, and the
   cool-down and hourly/daily quotas of ``recovery.codes`` are counted per number.
3. ``confirm_children`` checks each answer: *oui* + the right birth date attaches the child,
   *non* files an ``AttachmentReport``; three wrong dates in all end the flow (audited). The
   wrong dates are counted per mobile for a day on the cache, and a family's answers are
   checked one at a time under a lock of its school records, the count read first: neither a
   new code nor parallel posts buy more.
4. ``finish`` creates the account once, ties the matched Guardian rows to it and sends the welcome
   SMS; a replayed or double-submitted final step finds the rows already tied and creates nothing.

The state lives in the session under ``SESSION_KEY``; each step checks the step before it was
passed, so posting to a later URL leads back to the start (``FlowExpired``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Guardian, User
from accounts.people import Child, legal_children, unregistered_guardian_ids
from accounts.services import (
    GuardianAlreadyTied,
    RecordsOfAnotherPerson,
    next_free_identifier,
    parent_account_register,
    parent_records_attach,
)
from core.channels import Channel
from core.http import RequestFacts
from core.ratelimits import AttemptLimit
from notifications.services import notification_send
from recovery import tasks
from recovery.errors import (
    AlreadyRegistered,
    BirthDateMismatch,
    FlowExpired,
    NoChildConfirmed,
    NoLegalChild,
    TooManyWrongBirthDates,
)
from recovery.flows.base import SessionFlow, new_journey, now_ts
from recovery.flows.merge import account_prove
from recovery.models import VerificationCode

SESSION_KEY = "recovery.signup"
PURPOSE = VerificationCode.Purpose.SIGNUP
# "At most 3 tries in all" for the children's birth dates, then the school decides; a new code
# does not buy three more for a day.
MAX_WRONG_BIRTH_DATES = 3
BLOCK_AFTER_WRONG_DATES = timedelta(days=1)
# Counted per mobile for that day, outside the session (core.ratelimits.AttemptLimit).
BIRTH_DATE_TRIES = AttemptLimit(
    name="signup-birth-dates",
    limit=MAX_WRONG_BIRTH_DATES,
    window_seconds=int(BLOCK_AFTER_WRONG_DATES.total_seconds()),
)

__all__ = [
    "AlreadyRegistered",
    "BirthDateMismatch",
    "Child",
    "Decision",
    "NoChildConfirmed",
    "NotThisPersonsAccount",
    "NoLegalChild",
    "SignupFlow",
    "Step",
    "TooManyWrongBirthDates",
]


class NotThisPersonsAccount(Exception):
    """The account proved at the password step bears other names than the school records."""


class Step:
    CODE = "code"  # a code may have been sent; waiting for it
    CHILDREN = "children"  # the code was right: confirm the children
    PASSWORD = "password"  # noqa: S105 - a step name: note the identifier, choose a password
    DONE = "done"


@dataclass(frozen=True)
class Decision:
    """One answer of the children step: legal guardian or not, and the birth date typed."""

    is_legal_guardian: bool
    birth_date: dt.date | None = None


@dataclass
class SignupFlow(SessionFlow):
    """initiate → confirm → confirm_children → finish, with the state in ``session``."""

    session_key = SESSION_KEY

    def initiate(
        self,
        *,
        last_name: str,
        first_name: str,
        mobile: str,
        ip_address: str,
        proven_by: dict[str, Any] | None = None,
    ) -> None:
        """Remember the request and enqueue the delivery; identical whether or not it matches.

        ``proven_by`` is set when an identity provider (FranceConnect) proved who the person is
        and the names and school-held mobile come from the roster match: it is carried through
        the steps, the password step is replaced by ``proven_by["finish"]`` (a URL name) and
        the account is created without a password."""
        state: dict[str, Any] = {
            "step": Step.CODE,
            "last_name": last_name.strip()[:150],
            "first_name": first_name.strip()[:150],
            "mobile": mobile,
            "journey": new_journey(),
            "started_at": now_ts(),
            "sent_at": now_ts(),
        }
        if proven_by:
            state["proven_by"] = proven_by
        self._save(state)
        tasks.enqueue_signup_code(
            last_name=last_name.strip()[:150],
            first_name=first_name.strip()[:150],
            mobile=mobile,
            ip_address=ip_address,
        )

    def resend(self, *, ip_address: str) -> None:
        """Ask for a new code for the same names and number, after the cool-down."""
        state = self.resume(Step.CODE)
        self._check_resend()
        self.initiate(
            last_name=state["last_name"],
            first_name=state["first_name"],
            mobile=state["mobile"],
            ip_address=ip_address,
            proven_by=state.get("proven_by"),
        )

    def proven_by(self) -> dict[str, Any] | None:
        """What an identity provider proved for this journey (``initiate``), if anything."""
        proven = self._state().get("proven_by")
        return dict(proven) if isinstance(proven, dict) else None

    def confirm(self, candidate: str) -> None:
        """Check a typed code; a right one finds the records and opens the children step."""
        state = self.resume(Step.CODE)
        self._check_code(
            state,
            VerificationCode.objects.filter(
                purpose=PURPOSE, channel=Channel.SMS, destination=state["mobile"], user=None
            ),
            candidate,
        )
        self._open_children_step(state)

    def _open_children_step(self, state: dict[str, Any]) -> None:
        guardian_ids = unregistered_guardian_ids(
            last_name=state["last_name"], first_name=state["first_name"], mobile=state["mobile"]
        )
        if not guardian_ids:
            self.clear()
            raise AlreadyRegistered
        if not legal_children(guardian_ids):
            self.clear()
            raise NoLegalChild
        blocked = AuditEvent.objects.filter(
            event_type=AuditEvent.Type.SIGNUP_BLOCKED,
            created_at__gte=timezone.now() - BLOCK_AFTER_WRONG_DATES,
            details__mobile=state["mobile"],
        ).exists()
        if blocked or BIRTH_DATE_TRIES.used(state["mobile"]) >= MAX_WRONG_BIRTH_DATES:
            self.clear()
            raise TooManyWrongBirthDates
        granted: dict[str, Any] = {
            "step": Step.CHILDREN,
            "mobile": state["mobile"],
            "guardian_ids": guardian_ids,
            "journey": new_journey(),
            "started_at": now_ts(),
        }
        if state.get("proven_by"):
            granted["proven_by"] = state["proven_by"]
        self._grant(granted)  # the session now sees school records

    def children(self) -> list[Child]:
        """The children to confirm (children step only)."""
        state = self.resume(Step.CHILDREN)
        return legal_children(state["guardian_ids"])

    def confirm_children(self, decisions: dict[int, Decision], *, ip_address: str = "") -> None:
        """Check every answer; all right → the password step, else a typed error.

        Every child listed must be answered (a roster change meanwhile restarts the flow).
        """
        state = self.resume(Step.CHILDREN)
        children = {child.student_id: child for child in legal_children(state["guardian_ids"])}
        if not children or set(decisions) != set(children):
            self.clear()
            raise FlowExpired
        confirmed = [sid for sid, answer in decisions.items() if answer.is_legal_guardian]
        if not confirmed:
            raise NoChildConfirmed
        mobile, passed_key = state["mobile"], f"signup-children-passed:{self._journey(state)}"
        wrong: list[int] = []
        with transaction.atomic():
            # One family's answers are checked one at a time, on a lock of its school records:
            # a parallel post waits here, then reads the count and the outcome the previous
            # ones left outside the session, and is refused without comparing when it must be.
            list(
                Guardian.objects.select_for_update()
                .filter(pk__in=state["guardian_ids"])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if cache.get(passed_key):
                return  # a parallel post of this journey passed: nothing more to compare
            used = BIRTH_DATE_TRIES.used(mobile)
            if used < MAX_WRONG_BIRTH_DATES:
                wrong = [
                    sid
                    for sid in confirmed
                    if decisions[sid].birth_date != children[sid].birth_date
                ]
                if wrong:
                    BIRTH_DATE_TRIES.reserve(mobile, len(wrong))
                    used += len(wrong)
                else:
                    cache.set(passed_key, True, timeout=int(self.lifetime.total_seconds()))
        if used >= MAX_WRONG_BIRTH_DATES:
            if wrong:  # this post is the one that used the last try
                self._end_for_wrong_dates(state, ip_address, used)
            self.clear()
            raise TooManyWrongBirthDates
        if wrong:
            raise BirthDateMismatch(wrong, MAX_WRONG_BIRTH_DATES - used)
        state.update(
            step=Step.PASSWORD,
            confirmed_ids=sorted(confirmed),
            declined_ids=sorted(set(children) - set(confirmed)),
            started_at=now_ts(),
        )
        self._save(state)

    def _end_for_wrong_dates(
        self, state: dict[str, Any], ip_address: str, wrong_dates: int
    ) -> NoReturn:
        guardian = (
            Guardian.objects.filter(pk__in=state["guardian_ids"])
            .select_related("establishment")
            .first()
        )
        audit_event_record(
            event_type=AuditEvent.Type.SIGNUP_BLOCKED,
            establishment=guardian.establishment if guardian else None,
            ip_address=ip_address,
            details={
                "guardians": state["guardian_ids"],
                "mobile": state["mobile"],
                "wrong_dates": wrong_dates,
            },
        )
        self.clear()
        raise TooManyWrongBirthDates

    def _school_names(self, state: dict[str, Any]) -> tuple[str, str]:
        guardian = Guardian.objects.filter(pk__in=state["guardian_ids"]).order_by("pk").first()
        if guardian is None:
            self.clear()
            raise FlowExpired
        return guardian.first_name, guardian.last_name

    def future_account(self) -> User:
        """An unsaved account with the school's names and the identifier it will get: what the
        password step shows and what the password policy checks personal information against.
        The identifier is computed again at creation; it changes only if taken meanwhile."""
        state = self.resume(Step.PASSWORD)
        first_name, last_name = self._school_names(state)
        return User(
            identifier=next_free_identifier(first_name=first_name, last_name=last_name),
            kind=User.Kind.PARENT,
            first_name=first_name,
            last_name=last_name,
        )

    def is_done(self) -> bool:
        return self.step() == Step.DONE

    def finish(self, *, password: str | None, facts: RequestFacts) -> User:
        """Create the account once; the state becomes DONE (the caller logs the person in).
        ``password`` is None only for a journey an identity provider proved (``proven_by``):
        the account then has no password until its owner chooses one."""
        state = self.resume(Step.PASSWORD)
        if password is None and not state.get("proven_by"):
            raise FlowExpired
        try:
            with transaction.atomic():
                user = parent_account_register(
                    guardian_ids=state["guardian_ids"],
                    confirmed_ids=state["confirmed_ids"],
                    declined_ids=state["declined_ids"],
                    password=password,
                    facts=facts,
                    via=str(state.get("proven_by", {}).get("method") or "signup"),
                )
                notification_send(
                    channel=Channel.SMS,
                    destination=state["mobile"],
                    template="welcome",
                    context={"identifier": user.identifier},
                    user=user,
                    establishment=user.guardian_records.order_by("pk").first().establishment,  # type: ignore[union-attr]
                )
        except GuardianAlreadyTied:
            self.clear()
            raise AlreadyRegistered from None
        self._save({"step": Step.DONE, "user_id": user.pk, "started_at": now_ts()})
        return user

    def finish_into_existing(self, *, identifier: str, password: str, facts: RequestFacts) -> User:
        """« J'ai déjà un compte » at the password step: instead of a second account, the
        records proved by the code and the birth dates join the account the person proves
        with its identifier and password (``recovery.flows.merge.account_prove``: the login's
        throttle, one error for an unknown identifier and a wrong password). Its names must be
        the records' (``NotThisPersonsAccount`` otherwise; the journey stays at this step).
        The state becomes DONE; the caller logs the person in."""
        state = self.resume(Step.PASSWORD)
        user = account_prove(identifier=identifier, password=password, facts=facts)
        try:
            parent_records_attach(
                user=user,
                guardian_ids=state["guardian_ids"],
                confirmed_ids=state["confirmed_ids"],
                declined_ids=state["declined_ids"],
                facts=facts,
            )
        except RecordsOfAnotherPerson:
            raise NotThisPersonsAccount from None
        except GuardianAlreadyTied:
            self.clear()
            raise AlreadyRegistered from None
        self._save({"step": Step.DONE, "user_id": user.pk, "started_at": now_ts()})
        return user
