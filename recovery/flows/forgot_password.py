"""Lost password (issue 4): identifier → SMS code or e-mail link → new password → done.

The request path never looks the account up: ``initiate`` keeps what was typed in the session
and enqueues ``recovery.deliver_password_reset``, which finds the account and sends a code or a
link only where there is a usable channel. Known and unknown identifiers therefore get the same
page, the same status and the same work on the web process (DESIGN §4).

State lives in the session under ``SESSION_KEY``; each step checks the step before it was
passed, so posting to a later URL leads back to the start (``FlowExpired``). A code proves the
step for this flow and this account only: its row must belong to the identifier of the flow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.account_services import RequestFacts
from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from accounts.notices import account_sms_destinations, notify_password_changed
from accounts.services import user_set_password
from accounts.sessions import sessions_end
from accounts.throttling import login_throttle_clear
from notifications.services import notification_send
from recovery import codes
from recovery.errors import (
    FlowExpired,
    LinkInvalid,
    ResendTooSoon,
)
from recovery.flows.base import SessionFlow
from recovery.models import VerificationCode

SESSION_KEY = "recovery.forgot_password"
PURPOSE = VerificationCode.Purpose.PASSWORD_RESET
SMS = VerificationCode.Channel.SMS
EMAIL = VerificationCode.Channel.EMAIL
# A flow outlives its code, so a code typed late is told "expired" rather than lost; the
# password step gets as long again after the code was accepted.
FLOW_LIFETIME = 2 * codes.CODE_LIFETIME


class Step:
    CODE = "code"  # an SMS code may have been sent; waiting for it
    EMAIL_SENT = "email_sent"  # a link may have been sent; waiting for it to be opened
    LINK = "link"  # a link was opened in this browser; its token is kept here
    PASSWORD = "password"  # noqa: S105 - a step name: the code was right, choose the password
    DONE = "done"


def _now_ts() -> float:
    return timezone.now().timestamp()


def _usable_user(identifier: str) -> User | None:
    """The account a reset may be sent for: active and activated (DESIGN §4)."""
    return User.objects.filter(
        identifier=identifier.strip().lower(), is_active=True, activated_at__isnull=False
    ).first()


# --- Off the request path: the Celery task calls this -------------------------------------


def password_reset_deliver(*, identifier: str, channel: str, ip_address: str = "") -> bool:
    """Send a code (SMS to the school-declared mobiles) or a link (verified e-mail).

    No code or link for an unknown identifier, an account never activated, or when the
    account's cool-down or quotas (recovery.codes) say no. An account without the chosen
    channel is told on its other channel, if it has one. Returns whether a code or link left.
    """
    user = _usable_user(identifier)
    if user is None:
        return False
    senders: dict[str, Callable[[User, datetime], bool]] = {SMS: _send_code, EMAIL: _send_link}
    if channel not in senders:
        return False
    now = timezone.now()
    with transaction.atomic():
        if not codes.may_issue(user_id=user.pk, purpose=PURPOSE, now=now):
            return False
        if not senders[channel](user, now):
            _explain_unavailable(user, asked=channel)
            return False
        audit_event_record(
            event_type=AuditEvent.Type.PASSWORD_RESET_REQUESTED,
            subject=user,
            ip_address=ip_address,
            details={"channel": channel},
        )
    return True


def _explain_unavailable(user: User, *, asked: str) -> None:
    """The chosen channel is missing but the other one exists: say there what to do instead
    (issue 4: "where a message can be sent, it explains what to do")."""
    if asked == EMAIL:
        for mobile, establishment in account_sms_destinations(user):
            notification_send(
                channel="sms",
                destination=mobile,
                template="password_reset_no_email",
                context={"identifier": user.identifier},
                user=user,
                establishment=establishment,
            )
    elif user.has_verified_email:
        notification_send(
            channel="email",
            destination=user.email,
            template="password_reset_no_mobile",
            context={"identifier": user.identifier},
            user=user,
        )


def _send_code(user: User, now: datetime) -> bool:
    destinations = account_sms_destinations(user)
    if not destinations:
        return False
    code = codes.new_code()
    codes.code_issue(
        purpose=PURPOSE,
        channel=SMS,
        destination=destinations[0][0],
        user_id=user.pk,
        secret=code,
        now=now,
    )
    for mobile, establishment in destinations:
        notification_send(
            channel="sms",
            destination=mobile,
            template="password_reset_code",
            secrets={"code": code},
            user=user,
            establishment=establishment,
        )
    return True


def _send_link(user: User, now: datetime) -> bool:
    if not user.has_verified_email:
        return False
    token = codes.new_link_token()
    codes.code_issue(
        purpose=PURPOSE,
        channel=EMAIL,
        destination=user.email,
        user_id=user.pk,
        secret=token,
        now=now,
    )
    link = settings.SITE_URL + reverse("recovery:forgot_password_link", args=[token])
    notification_send(
        channel="email",
        destination=user.email,
        template="password_reset_link",
        context={"identifier": user.identifier},
        secrets={"link": link},
        user=user,
    )
    return True


# --- The flow, driven by the views --------------------------------------------------------


@dataclass
class ForgotPasswordFlow(SessionFlow):
    """initiate → (confirm | open_link) → finish, with the state in ``session``."""

    session_key = SESSION_KEY

    def initiate(self, *, identifier: str, channel: str, ip_address: str) -> None:
        """Remember the request and enqueue the delivery; identical for every identifier."""
        from recovery import tasks

        identifier = identifier.strip().lower()
        self._save(
            {
                "step": Step.CODE if channel == SMS else Step.EMAIL_SENT,
                "identifier": identifier,
                "channel": channel,
                "started_at": _now_ts(),
                "sent_at": _now_ts(),
                "attempts": 0,
            }
        )
        tasks.deliver_password_reset.delay_on_commit(identifier, channel, ip_address)

    def resume(self, *steps: str) -> dict[str, Any]:
        """The state, if this session is at one of ``steps`` and the flow is still alive."""
        state = self._state()
        if state.get("step") not in steps:
            raise FlowExpired
        if _now_ts() - float(state.get("started_at", 0)) > FLOW_LIFETIME.total_seconds():
            self.clear()
            raise FlowExpired
        return state

    def resend(self, *, ip_address: str) -> None:
        """Ask for a new code or link for the same identifier, after the cool-down."""
        state = self.resume(Step.CODE, Step.EMAIL_SENT)
        elapsed = _now_ts() - float(state["sent_at"])
        cooldown = codes.RESEND_COOLDOWN.total_seconds()
        if elapsed < cooldown:
            raise ResendTooSoon(int(cooldown - elapsed + 0.999))
        self.initiate(
            identifier=state["identifier"], channel=state["channel"], ip_address=ip_address
        )

    def resend_wait_seconds(self) -> int:
        state = self._state()
        elapsed = _now_ts() - float(state.get("sent_at", 0))
        return max(0, int(codes.RESEND_COOLDOWN.total_seconds() - elapsed + 0.999))

    def confirm(self, candidate: str) -> None:
        """Check a typed code; a right one moves the flow to the password step, once."""
        state = self.resume(Step.CODE)
        self._refuse_when_out_of_tries(state)
        recent = codes.recent_codes(
            VerificationCode.objects.filter(
                purpose=PURPOSE, channel=SMS, user__identifier=state["identifier"]
            )
        )
        row = codes.code_redeem(recent, candidate, now=timezone.now())
        if row is None:
            self._count_wrong_try(state, recent[0] if recent else None)
        self._grant(
            {
                "step": Step.PASSWORD,
                "identifier": state["identifier"],
                "channel": SMS,
                "started_at": _now_ts(),
                "user_id": row.user_id,  # type: ignore[union-attr]
            }
        )

    def open_link(self, token: str) -> None:
        """Keep the e-mailed token in this session (never in the URL after the redirect)."""
        self._grant({"step": Step.LINK, "token": token[:100], "started_at": _now_ts()})

    def _link_row(self, token: str) -> VerificationCode:
        # A link token is long; refusing short ones keeps 6-digit SMS codes from being tried
        # as links. Links go by e-mail, or by SMS when the school sends one from the console.
        if len(token) < codes.LINK_TOKEN_MIN_LENGTH:
            self.clear()
            raise LinkInvalid
        row = (
            VerificationCode.objects.filter(
                purpose=PURPOSE, channel__in=[EMAIL, SMS], secret_hash=codes.hash_secret(token)
            )
            .select_related("user")
            .first()
        )
        if (
            row is None
            or row.user is None
            or row.is_consumed
            or row.is_expired(timezone.now())
            or not row.user.is_active
        ):
            self.clear()
            raise LinkInvalid
        return row

    def user(self) -> User:
        """The account whose password the person may now set (password step or opened link)."""
        state = self.resume(Step.PASSWORD, Step.LINK)
        if state["step"] == Step.LINK:
            return self._link_row(state["token"]).user  # type: ignore[return-value]
        user: User | None = User.objects.filter(pk=state["user_id"], is_active=True).first()
        if user is None:
            self.clear()
            raise FlowExpired
        return user

    def is_done(self) -> bool:
        return self._state().get("step") == Step.DONE

    def finish(self, *, new_password: str, facts: RequestFacts) -> User:
        """Set the password once and apply every after-reset effect; the state becomes DONE."""
        state = self.resume(Step.PASSWORD, Step.LINK)
        with transaction.atomic():
            if state["step"] == Step.LINK:
                row = self._link_row(state["token"])
                claimed = VerificationCode.objects.filter(pk=row.pk, consumed_at=None).update(
                    consumed_at=timezone.now()
                )
                if not claimed:
                    self.clear()
                    raise LinkInvalid
                user: User = row.user  # type: ignore[assignment]
            else:
                user = self.user()
            password_reset_complete(user=user, new_password=new_password, facts=facts)
        self._grant({"step": Step.DONE, "started_at": _now_ts()})
        sessions_end(user=user)
        login_throttle_clear(identifier=user.identifier)
        return user


def password_reset_complete(*, user: User, new_password: str, facts: RequestFacts) -> None:
    """The after-reset effects (issue 4): new password, temporary-password flag cleared,
    owner told on every channel, audited. Other sessions end with the session auth hash
    (and ``sessions_end`` for the ones we list), the login lock is lifted by the caller."""
    with transaction.atomic():
        user_set_password(user=user, password=new_password, must_change=False)
        audit_event_record(
            event_type=AuditEvent.Type.PASSWORD_RESET,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )
        notify_password_changed(user)
