"""A FranceConnect login, as a journey kept in the session.

1. ``start`` keeps a fresh ``state`` and ``nonce`` and gives FranceConnect's authorization URL.
2. ``come_back`` takes them out of the session (single use, whatever happens next), has the
   client check the answer, then says what follows: the linked account (signed in by the
   view), or, with no account linked yet, what the roster says (``franceconnect.matching``).
   The identity waits in the session (``pending``) for the next step.
3. The next step is one of: prove an existing account (``link_proven_account``), register
   through self-registration's own journey (``signup_start``: code to the school-held mobile,
   children's birth dates; then ``signup_finish`` creates the account without a password and
   links it), or the no-match page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from accounts.models import User
from core.http import RequestFacts
from franceconnect import client
from franceconnect.matching import Match, roster_match
from franceconnect.models import FranceConnectLink
from franceconnect.services import AlreadyLinked, link_create
from recovery.flows.base import now_ts
from recovery.flows.signup import SignupFlow

SESSION_AUTHORIZATION = "franceconnect.authorization"
SESSION_PENDING = "franceconnect.pending"
# FranceConnect's answer must come back within this; the identity waits as long for the
# person to prove an account or to start registering.
AUTHORIZATION_LIFETIME = timedelta(minutes=15)
PENDING_LIFETIME = timedelta(minutes=30)
SIGNUP_FINISH = "franceconnect:signup_finish"


class PendingExpired(Exception):
    """No FranceConnect identity waits in this session (expired, used, or never there)."""


class NotTheirs(Exception):
    """The account proved is not one the roster matched with these names."""


@dataclass(frozen=True)
class Outcome:
    """What follows FranceConnect's answer."""

    id_token: str  # for the logout's id_token_hint
    user: User | None = None  # the linked account: sign it in
    match: Match | None = None  # no account linked: what the roster says


@dataclass
class FranceConnectFlow:
    session: SessionBase

    def start(self, redirect_uri: str) -> str:
        authorization = client.authorization_start(redirect_uri)
        self.session[SESSION_AUTHORIZATION] = {
            "state": authorization.state,
            "nonce": authorization.nonce,
            "started_at": now_ts(),
        }
        self.session.pop(SESSION_PENDING, None)
        return authorization.url

    def come_back(self, *, redirect_uri: str, query: dict[str, str]) -> Outcome:
        kept = self.session.pop(SESSION_AUTHORIZATION, None) or {}
        if now_ts() - float(kept.get("started_at", 0)) > AUTHORIZATION_LIFETIME.total_seconds():
            kept = {}
        tokens = client.authorization_finish(
            redirect_uri=redirect_uri,
            query=query,
            state=str(kept.get("state", "")),
            nonce=str(kept.get("nonce", "")),
        )
        link = FranceConnectLink.objects.filter(sub=tokens.identity.sub).select_related("user")
        linked = link.first()
        if linked is not None:
            return Outcome(id_token=tokens.id_token, user=linked.user)
        self.session[SESSION_PENDING] = {
            "identity": asdict(tokens.identity),
            "id_token": tokens.id_token,
            "started_at": now_ts(),
        }
        return Outcome(id_token=tokens.id_token, match=roster_match(tokens.identity))

    def _pending(self) -> dict[str, Any]:
        pending = self.session.get(SESSION_PENDING) or {}
        if now_ts() - float(pending.get("started_at", 0)) > PENDING_LIFETIME.total_seconds():
            self.session.pop(SESSION_PENDING, None)
            raise PendingExpired
        return dict(pending)

    def identity(self) -> client.Identity:
        return client.Identity(**self._pending()["identity"])

    def id_token(self) -> str:
        return str(self._pending()["id_token"])

    def match(self) -> Match:
        return roster_match(self.identity())

    def clear(self) -> None:
        self.session.pop(SESSION_PENDING, None)

    def link_proven_account(self, user: User, *, facts: RequestFacts) -> str:
        """Link the identity to an account its owner just proved (its password); the account
        must be one the roster matched with these names. Returns the ID token for the session."""
        identity = self.identity()
        if user.pk not in {account.pk for account in roster_match(identity).accounts}:
            raise NotTheirs
        id_token = self.id_token()
        link_create(user=user, sub=identity.sub, facts=facts)
        self.clear()
        return id_token

    def signup_start(self, *, mobile: str, ip_address: str) -> None:
        """Self-registration's journey, with the school's names and the chosen school-held
        mobile: the code goes to that number, then the children's birth dates are asked."""
        identity = self.identity()
        record = roster_match(identity).record_for(mobile)
        if record is None:
            raise PendingExpired
        SignupFlow(self.session).initiate(
            last_name=record.last_name,
            first_name=record.first_name,
            mobile=mobile,
            ip_address=ip_address,
            proven_by={"method": "franceconnect", "finish": SIGNUP_FINISH, "sub": identity.sub},
        )

    def signup_finish(self, *, facts: RequestFacts) -> tuple[User, str]:
        """Create the account (no password) and link it, in one transaction: a link that
        cannot be made leaves no account behind. Returns the account and the ID token."""
        signup = SignupFlow(self.session)
        proven = signup.proven_by() or {}
        identity = self.identity()
        if proven.get("sub") != identity.sub:
            raise PendingExpired
        id_token = self.id_token()
        with transaction.atomic():
            user = signup.finish(password=None, facts=facts)
            try:
                link_create(user=user, sub=identity.sub, facts=facts, notify=False)
            except AlreadyLinked:
                signup.clear()
                raise
        self.clear()
        return user, id_token
