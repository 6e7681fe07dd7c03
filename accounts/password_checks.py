"""A password typed to prove who one is (the login, the current password asked again in Mon
compte): counted with the login throttle and journaled, in one place.

Both checks share one count per identifier (``core.ratelimits.LoginAttempt``, taken before the
password is compared): a session that asks Mon compte to check passwords is no better an
oracle than the login page. The journal keeps the identifier typed only when it is an
existing account's (never whatever was typed there, a password typed in the wrong field
included).
"""

from __future__ import annotations

from accounts.aliases import account_for_identifier
from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from core.http import RequestFacts
from core.ratelimits import LoginAttempt, login_attempt_start


def password_check_start(*, identifier: str, facts: RequestFacts) -> LoginAttempt:
    """Take one try for ``identifier`` (canonical) and the client address before comparing."""
    return login_attempt_start(identifier=identifier, ip=facts.ip_address)


def password_check_failed(
    *,
    attempt: LoginAttempt,
    facts: RequestFacts,
    event_type: str,
    subject: User | None = None,
    via: str = "",
) -> bool:
    """Journal a wrong password and keep it counted; True when it locked the identifier
    (journaled in the account's journal, if there is an account). ``via`` names the page that
    asked for it when it is not the login (a staff invitation)."""
    account = subject
    if account is None and attempt.identifier:
        account = account_for_identifier(attempt.identifier)
    audit_event_record(
        event_type=event_type,
        subject=subject,
        actor=subject,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={
            **({"identifier": attempt.identifier} if account is not None else {}),
            **({"via": via} if via else {}),
        },
    )
    locked = attempt.failed()
    if locked:
        audit_event_record(
            event_type=AuditEvent.Type.LOGIN_LOCKED,
            subject=account,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )
    return locked
