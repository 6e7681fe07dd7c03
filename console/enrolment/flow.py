"""The enrolment journey behind an invitation link, as one object kept in the session.

*open_link* moves the token from the URL into the session (the page that follows has no token
in its address, as Django's ``PasswordResetConfirmView`` does); *resume* rebuilds the state
and checks at every step that the invitation is still live; the password step either chooses
a first password or proves the current one (an invitation alone never opens an account that
has a password); entering the app step draws a fresh TOTP secret for this attempt, held in the
session only; *finish* checks one code from it and, once, stores the device and recovery
codes, uses up the invitation, audits and tells the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, StaffInvitation, User
from accounts.password_checks import password_check_failed, password_check_start
from accounts.twofactor.devices import device_enrol, new_totp_key, provisioning, totp_match
from accounts.twofactor.invitations import TOKEN_MAX_LENGTH, invitation_consume, invitation_lookup
from core.channels import Channel
from core.http import RequestFacts
from notifications.services import notification_send
from recovery.passwords import password_replace

SESSION_KEY = "console.staff_enrolment"
# One attempt (from the link to the code typed) lasts this long; the invitation stays usable.
ATTEMPT_LIFETIME = timedelta(minutes=30)


class Step:
    PASSWORD = "password"  # noqa: S105 - a step name
    APP = "app"


class EnrolmentError(Exception):
    """Base of what a step of the journey can raise; ``console.enrolment.views`` shows each."""


class NoInvitationOpened(EnrolmentError):
    """No link opened in this browser, or its attempt is over: open the link again."""


class InvitationInvalid(EnrolmentError):
    """Unknown, used, replaced by a newer one, expired, or its account closed."""


class PasswordIncorrect(EnrolmentError):
    """The current password typed is not the account's (counted as a failed login)."""


class PasswordThrottled(EnrolmentError):
    """Too many wrong passwords for this account or address: the login's own delay."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


class CodeIncorrect(EnrolmentError):
    """The code typed is not the current one of the secret shown."""


@dataclass(frozen=True)
class Enrolled:
    user: User
    device: TOTPDevice
    recovery_codes: list[str]


def _now_ts() -> float:
    return timezone.now().timestamp()


@dataclass
class StaffEnrolmentFlow:
    session: SessionBase

    def _state(self) -> dict[str, Any]:
        return dict(self.session.get(SESSION_KEY) or {})

    def _grant(self, state: dict[str, Any]) -> None:
        """Save a state that lets this browser do more, under a new session key (a session
        cookie planted beforehand cannot ride on it)."""
        self.session[SESSION_KEY] = state
        self.session.cycle_key()

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)

    def open_link(self, token: str) -> None:
        """Keep the token out of the address bar and Referer: in the session until used."""
        self._grant(
            {"step": Step.PASSWORD, "token": token[:TOKEN_MAX_LENGTH], "started_at": _now_ts()}
        )

    def step(self) -> str | None:
        return self._state().get("step")

    def resume(self, step: str) -> tuple[dict[str, Any], StaffInvitation]:
        """The state at ``step`` and its invitation, still live; an error otherwise."""
        state = self._state()
        if state.get("step") != step:
            raise NoInvitationOpened
        if _now_ts() - float(state.get("started_at", 0)) > ATTEMPT_LIFETIME.total_seconds():
            self.clear()
            raise NoInvitationOpened
        invitation = invitation_lookup(state.get("token", ""), now=timezone.now())
        if invitation is None:
            self.clear()
            raise InvitationInvalid
        return state, invitation

    def invited_user(self) -> User:
        """Who the opened invitation is for (at whichever step this browser is)."""
        step = self.step()
        if step not in (Step.PASSWORD, Step.APP):
            raise NoInvitationOpened
        return self.resume(step)[1].user

    @staticmethod
    def needs_new_password(user: User) -> bool:
        """A new staff member chooses a first password; anyone else proves theirs."""
        return not user.has_usable_password()

    def password_choose(self, *, new_password: str, facts: RequestFacts) -> None:
        """Set the first password (which activates the account), then on to the app."""
        state, invitation = self.resume(Step.PASSWORD)
        user = invitation.user
        if not self.needs_new_password(user):
            raise NoInvitationOpened
        password_replace(
            user=user,
            new_password=new_password,
            event_type=AuditEvent.Type.PASSWORD_CHANGED,
            facts=facts,
            keep_session_key=self.session.session_key,
        )
        self._to_app(state)

    def password_confirm(self, *, password: str, facts: RequestFacts) -> None:
        """Prove the current password, counted and throttled as the login counts it, so the
        link cannot be used to guess it faster than the login page allows."""
        state, invitation = self.resume(Step.PASSWORD)
        user = invitation.user
        # The try is taken before the comparison (accounts.password_checks), so parallel posts
        # of the link cannot all pass one reading of the count.
        attempt = password_check_start(identifier=user.identifier, facts=facts)
        if attempt.is_refused:
            raise PasswordThrottled(attempt.wait_seconds)
        if not user.check_password(password):
            password_check_failed(
                attempt=attempt,
                facts=facts,
                event_type=AuditEvent.Type.LOGIN_FAILED,
                subject=user,
                via="staff_invitation",
            )
            raise PasswordIncorrect
        attempt.succeeded()
        self._to_app(state)

    def _to_app(self, state: dict[str, Any]) -> None:
        """A fresh secret for this attempt: two visitors, or two openings of the link, never
        see the same one, and nothing of it is stored until a code from it is typed."""
        self._grant({**state, "step": Step.APP, "key": new_totp_key(), "started_at": _now_ts()})

    def pending(self) -> tuple[User, dict[str, str]]:
        """Who enrols, and the QR code and key of this attempt's secret."""
        state, invitation = self.resume(Step.APP)
        return invitation.user, provisioning(invitation.user, state["key"])

    def finish(self, *, token: str, facts: RequestFacts) -> Enrolled:
        """Check one code of the pending secret; then, once, make it the user's device."""
        state, _invitation = self.resume(Step.APP)
        match = totp_match(key=state["key"], token=token)
        if match is None:
            raise CodeIncorrect
        now = timezone.now()
        with transaction.atomic():
            invitation = invitation_lookup(state["token"], now=now, for_update=True)
            if invitation is None:  # used meanwhile by a parallel confirmation
                self.clear()
                raise InvitationInvalid
            user = invitation.user
            device, codes = device_enrol(user=user, key=state["key"], match=match)
            invitation_consume(invitation=invitation, now=now)
            audit_event_record(
                event_type=AuditEvent.Type.TWO_FACTOR_ENROLLED,
                subject=user,
                actor=user,
                ip_address=facts.ip_address,
                user_agent=facts.user_agent,
                details={"invitation": invitation.pk},
            )
            if user.email:
                notification_send(
                    channel=Channel.EMAIL,
                    destination=user.email,
                    template="staff_two_factor_enrolled",
                    context={"identifier": user.identifier, "first_name": user.first_name},
                    user=user,
                )
        self.clear()
        return Enrolled(user=user, device=device, recovery_codes=codes)
