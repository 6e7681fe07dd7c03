"""Signing in with a passkey, and proving one as a staff second factor: the rules a password
login follows apply alike (``accounts.access.may_sign_in``, the login throttle per address,
an identifier's lock, the journal), then the view ends in ``accounts.signin.sign_in``."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from accounts.access import may_sign_in
from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from accounts.signin import Method
from core.http import RequestFacts
from core.ratelimits import LOCK_SECONDS, login_attempt_start, login_is_locked, login_throttle_clear
from passkeys.ceremonies import (
    CredentialRefused,
    PasskeyError,
    Purpose,
    authentication_verify,
)
from passkeys.models import PasskeyCredential
from passkeys.services import credential_used


class LoginThrottled(PasskeyError):
    """Too many failed logins from this address, or the account's identifier is locked."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(wait_seconds)
        self.wait_seconds = wait_seconds


def _failed(event_type: str, error: CredentialRefused, facts: RequestFacts) -> None:
    details: dict[str, Any] = {"method": Method.PASSKEY}
    if error.user is not None:
        details["identifier"] = error.user.identifier
    audit_event_record(
        event_type=event_type,
        subject=error.user,
        actor=error.user,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details=details,
    )


def passkey_login(*, session: SessionBase, payload: Any, facts: RequestFacts) -> PasskeyCredential:
    """The credential whose answer opens a session, or an error.

    A failed answer counts as a failed login of the address (``core.ratelimits``, the
    password login's count and delays). A credential of an account that may not sign in
    (deactivated, never activated) is refused with the words of an unknown one, as the password
    login answers an inactive account like a wrong password; an identifier locked by wrong
    passwords stays locked for its passkeys too (the lock's message is the login's)."""
    attempt = login_attempt_start(identifier="", ip=facts.ip_address)
    if attempt.is_refused:
        raise LoginThrottled(attempt.wait_seconds)
    try:
        asserted = authentication_verify(session, Purpose.LOGIN, payload)
        credential = asserted.credential
        user: User = credential.user
        if not may_sign_in(user):
            raise CredentialRefused(user)
        if login_is_locked(identifier=user.identifier):
            raise LoginThrottled(LOCK_SECONDS)
        if not credential_used(credential=credential, new_sign_count=asserted.new_sign_count):
            raise CredentialRefused(user)
    except CredentialRefused as error:
        _failed(AuditEvent.Type.LOGIN_FAILED, error, facts)
        attempt.failed()
        raise
    except PasskeyError:
        attempt.abandoned()  # nothing was checked: no challenge, unreadable, or locked
        raise
    attempt.succeeded()
    login_throttle_clear(identifier=user.identifier)
    return credential


def passkey_second_factor(
    *, session: SessionBase, user: User, payload: Any, facts: RequestFacts
) -> PasskeyCredential:
    """One of ``user``'s second-factor passkeys answered this session's challenge."""
    attempt = login_attempt_start(identifier="", ip=facts.ip_address)
    if attempt.is_refused:
        raise LoginThrottled(attempt.wait_seconds)
    try:
        asserted = authentication_verify(session, Purpose.SECOND_FACTOR, payload, user=user)
        credential = asserted.credential
        if not credential.is_second_factor:
            raise CredentialRefused(user)
        if not credential_used(credential=credential, new_sign_count=asserted.new_sign_count):
            raise CredentialRefused(user)
    except CredentialRefused as error:
        _failed(AuditEvent.Type.TWO_FACTOR_FAILED, error, facts)
        attempt.failed()
        raise
    except PasskeyError:
        attempt.abandoned()
        raise
    attempt.succeeded()
    audit_event_record(
        event_type=AuditEvent.Type.TWO_FACTOR_SUCCEEDED,
        subject=user,
        actor=user,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"method": Method.PASSKEY},
    )
    return credential


def second_factor_passkeys(user: User) -> list[PasskeyCredential]:
    return list(PasskeyCredential.objects.filter(user=user, confirmed=True))
