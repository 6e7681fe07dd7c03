"""Lost password: identifier → SMS code or e-mail link → new password → done.

The request path never looks the account up: ``initiate`` keeps what was typed in the session
and enqueues ``recovery.deliver_password_reset`` (``recovery.deliveries.password_reset``), which
finds the account and sends a code or a link only where there is a usable channel. Known and
unknown identifiers therefore get the same page, the same status and the same work on the web
process.

Each step checks the step before it was passed, so posting to a later URL leads back to the
start (``FlowExpired``). A code proves the step for this journey and this account only: its row
must belong to the identifier of the journey.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.access import may_sign_in, may_sign_in_q
from accounts.aliases import account_for_identifier
from accounts.models import AuditEvent, User
from core.channels import Channel
from core.http import RequestFacts
from recovery import codes, tasks
from recovery.channels import recovery_channel
from recovery.errors import FlowExpired, LinkInvalid
from recovery.flows.base import SessionFlow, new_journey, now_ts
from recovery.models import VerificationCode
from recovery.passwords import password_replace

SESSION_KEY = "recovery.forgot_password"
PURPOSE = VerificationCode.Purpose.PASSWORD_RESET


class Step:
    CODE = "code"  # an SMS code may have been sent; waiting for it
    EMAIL_SENT = "email_sent"  # a link may have been sent; waiting for it to be opened
    LINK = "link"  # a link was opened in this browser; its token is kept here
    PASSWORD = "password"  # noqa: S105 - a step name: the code was right, choose the password
    DONE = "done"


@dataclass
class ForgotPasswordFlow(SessionFlow):
    """initiate → (confirm | open_link) → finish, with the state in ``session``."""

    session_key = SESSION_KEY

    def initiate(self, *, identifier: str, channel: str, ip_address: str) -> None:
        """Remember the request and enqueue the delivery; identical for every identifier.

        ``identifier`` is canonical (``core.fields.IdentifierField``)."""
        way = recovery_channel(channel)
        if way is None:
            raise FlowExpired
        self._save(
            {
                "step": Step.CODE if way.sends_code else Step.EMAIL_SENT,
                "identifier": identifier,
                "channel": way.channel.value,
                "journey": new_journey(),
                "started_at": now_ts(),
                "sent_at": now_ts(),
            }
        )
        tasks.enqueue_password_reset(
            identifier=identifier, channel=way.channel.value, ip_address=ip_address
        )

    def resend(self, *, ip_address: str) -> None:
        """Ask for a new code or link for the same identifier, after the cool-down."""
        state = self.resume(Step.CODE, Step.EMAIL_SENT)
        self._check_resend()
        self.initiate(
            identifier=state["identifier"], channel=state["channel"], ip_address=ip_address
        )

    def confirm(self, candidate: str) -> None:
        """Check a typed code; a right one moves the journey to the password step, once."""
        state = self.resume(Step.CODE)
        account = account_for_identifier(state["identifier"])  # an alias as the login reads it
        # The same query whether or not the identifier is known (no id 0): nothing to time.
        candidates = VerificationCode.objects.filter(
            purpose=PURPOSE, channel=Channel.SMS, user_id=account.pk if account is not None else 0
        )
        row = self._check_code(state, candidates, candidate)
        self._grant(
            {
                "step": Step.PASSWORD,
                "identifier": state["identifier"],
                "channel": Channel.SMS.value,
                "started_at": now_ts(),
                "user_id": row.user_id,
            }
        )

    def open_link(self, token: str) -> None:
        """Keep the e-mailed token in this session (never in the URL after the redirect)."""
        self._grant({"step": Step.LINK, "token": token[:100], "started_at": now_ts()})

    def _link_row(self, token: str) -> VerificationCode:
        # A link token is long; refusing short ones keeps 6-digit SMS codes from being tried
        # as links. Links go by e-mail, or by SMS when the school sends one from the console.
        if len(token) < codes.LINK_TOKEN_MIN_LENGTH:
            self.clear()
            raise LinkInvalid
        row = codes.link_lookup(purpose=PURPOSE, token=token)
        if (
            row is None
            or row.user is None
            or row.is_consumed
            or row.is_expired(timezone.now())
            or not may_sign_in(row.user)
        ):
            self.clear()
            raise LinkInvalid
        return row

    def user(self) -> User:
        """The account whose password the person may now set (password step or opened link)."""
        state = self.resume(Step.PASSWORD, Step.LINK)
        if state["step"] == Step.LINK:
            return self._link_row(state["token"]).user  # type: ignore[return-value]
        user: User | None = User.objects.filter(may_sign_in_q(), pk=state["user_id"]).first()
        if user is None:
            self.clear()
            raise FlowExpired
        return user

    def is_done(self) -> bool:
        return self.step() == Step.DONE

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
            password_replace(
                user=user,
                new_password=new_password,
                event_type=AuditEvent.Type.PASSWORD_RESET,
                facts=facts,
            )
        self._grant({"step": Step.DONE, "started_at": now_ts()})
        return user
