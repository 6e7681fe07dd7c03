"""The WebAuthn ceremonies, checked by py_webauthn: options with a challenge kept server-side,
then the browser's answer verified against that challenge, the origin and the RP id.

A challenge lives in the session for ``CHALLENGE_LIFETIME``, for one purpose (registration,
login, second factor) and is taken out before its answer is checked: it serves once, whatever
the outcome. Every check the library does (challenge, origin, RP id hash, user presence and
verification flags, signature, signature counter) ends in the one ``CredentialRefused``,
worded alike whether the credential is unknown, removed or its signature wrong: the answer
says nothing about which accounts or credentials exist.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    base64url_to_bytes,
    bytes_to_base64url,
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.models import User
from passkeys.models import PasskeyCredential, PasskeyUser

# Five minutes to answer the browser's prompt (the options' timeout says the same).
CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_BYTES = 32
USER_HANDLE_BYTES = 32
SESSION_KEY = "passkeys.challenges"
# A browser's answer is a few kilobytes; anything much larger is not one.
RESPONSE_MAX_BYTES = 64 * 1024


class Purpose:
    REGISTER = "register"
    LOGIN = "login"
    SECOND_FACTOR = "second_factor"


class PasskeyError(Exception):
    """Base of what a ceremony can raise; ``passkeys.errors`` words each one."""


class ChallengeMissing(PasskeyError):
    """No challenge for this purpose in the session: never asked, already used, or expired."""


class ResponseMalformed(PasskeyError):
    """The browser's answer is not a WebAuthn credential in JSON (or is far too large)."""


class CredentialRefused(PasskeyError):
    """Unknown or removed credential, or any failed check: one error, one wording. ``user`` is
    the account of a known credential (for the journal only, never for the answer)."""

    def __init__(self, user: User | None = None) -> None:
        super().__init__()
        self.user = user


@dataclass(frozen=True)
class RelyingParty:
    id: str
    name: str
    origin: str


def relying_party() -> RelyingParty:
    """Read at each ceremony from ``SITE_URL`` (so a test or ``./dev run`` on another port
    follows): the origin is SITE_URL's, the RP id ``WEBAUTHN_RP_ID`` or SITE_URL's host."""
    parts = urlsplit(settings.SITE_URL)
    origin = f"{parts.scheme}://{parts.netloc}"
    rp_id = settings.WEBAUTHN_RP_ID or parts.hostname or "localhost"
    return RelyingParty(id=rp_id, name=settings.WEBAUTHN_RP_NAME, origin=origin)


# --- Challenges kept in the session -------------------------------------------------------


def challenge_issue(session: SessionBase, purpose: str) -> bytes:
    """A fresh challenge for ``purpose``, replacing any earlier one for it."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    kept = dict(session.get(SESSION_KEY) or {})
    kept[purpose] = {"challenge": bytes_to_base64url(challenge), "at": timezone.now().timestamp()}
    session[SESSION_KEY] = kept
    return challenge


def challenge_take(session: SessionBase, purpose: str) -> bytes:
    """Take the challenge of ``purpose`` out of the session (single use), if still fresh."""
    kept = dict(session.get(SESSION_KEY) or {})
    entry = kept.pop(purpose, None)
    session[SESSION_KEY] = kept
    if not isinstance(entry, dict):
        raise ChallengeMissing
    age = timezone.now().timestamp() - float(entry.get("at", 0))
    if not 0 <= age <= CHALLENGE_LIFETIME.total_seconds():
        raise ChallengeMissing
    try:
        return base64url_to_bytes(str(entry["challenge"]))
    except (KeyError, ValueError) as error:
        raise ChallengeMissing from error


def _timeout_ms() -> int:
    return int(CHALLENGE_LIFETIME.total_seconds() * 1000)


def _descriptors(credentials: list[PasskeyCredential]) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for credential in credentials:
        transports = []
        for name in credential.transports or []:
            try:
                transports.append(AuthenticatorTransport(name))
            except ValueError:
                continue
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=base64url_to_bytes(credential.credential_id), transports=transports or None
            )
        )
    return descriptors


# --- Registration ---------------------------------------------------------------------------


def user_handle_for(user: User) -> str:
    """The account's WebAuthn user id (base64url), drawn at random the first time."""
    row, _created = PasskeyUser.objects.get_or_create(
        user=user,
        defaults={"handle": bytes_to_base64url(secrets.token_bytes(USER_HANDLE_BYTES))},
    )
    return row.handle


def registration_options(session: SessionBase, user: User) -> str:
    """The options of ``navigator.credentials.create`` as JSON: a discoverable credential
    (resident key required), user verification required, none of the account's existing
    passkeys again (``excludeCredentials``)."""
    rp = relying_party()
    existing = list(PasskeyCredential.objects.filter(user=user))
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_id=base64url_to_bytes(user_handle_for(user)),
        user_name=user.identifier,
        user_display_name=user.get_full_name() or user.identifier,
        challenge=challenge_issue(session, Purpose.REGISTER),
        timeout=_timeout_ms(),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(existing),
    )
    return options_to_json(options)


@dataclass(frozen=True)
class NewCredential:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]
    user_handle: str
    aaguid: str
    is_backed_up: bool


def parse_json(raw: bytes | str) -> Any:
    if len(raw) > RESPONSE_MAX_BYTES:
        raise ResponseMalformed
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise ResponseMalformed from error


def _registration_credential(payload: Any) -> RegistrationCredential:
    if not isinstance(payload, dict):
        raise ResponseMalformed
    try:
        return parse_registration_credential_json(payload)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ResponseMalformed from error


def registration_verify(session: SessionBase, user: User, payload: Any) -> NewCredential:
    """Check the answer to this session's registration challenge (taken out first)."""
    expected_challenge = challenge_take(session, Purpose.REGISTER)
    credential = _registration_credential(payload)
    rp = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=expected_challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise CredentialRefused from error
    transports = [str(t.value) for t in (credential.response.transports or [])]
    return NewCredential(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=bytes(verified.credential_public_key),
        sign_count=verified.sign_count,
        transports=transports,
        user_handle=user_handle_for(user),
        aaguid=str(verified.aaguid or ""),
        is_backed_up=bool(verified.credential_backed_up),
    )


# --- Authentication (login, second factor) --------------------------------------------------


def authentication_options(
    session: SessionBase, purpose: str, credentials: list[PasskeyCredential] | None = None
) -> str:
    """The options of ``navigator.credentials.get`` as JSON: user verification required; no
    ``allowCredentials`` at login (the authenticator offers its discoverable passkeys for this
    site, so nobody's identifier is needed or revealed), the staff member's own second-factor
    passkeys for the second factor."""
    rp = relying_party()
    options = generate_authentication_options(
        rp_id=rp.id,
        challenge=challenge_issue(session, purpose),
        timeout=_timeout_ms(),
        allow_credentials=_descriptors(credentials or []),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


@dataclass(frozen=True)
class Asserted:
    credential: PasskeyCredential
    new_sign_count: int


def _authentication_credential(payload: Any) -> AuthenticationCredential:
    if not isinstance(payload, dict):
        raise ResponseMalformed
    try:
        return parse_authentication_credential_json(payload)
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise ResponseMalformed from error


def authentication_verify(
    session: SessionBase, purpose: str, payload: Any, *, user: User | None = None
) -> Asserted:
    """Check the answer to this session's challenge for ``purpose`` (taken out first): a known
    credential (of ``user`` when given), the user handle it was made with, origin, RP id, the
    user-verified flag, the signature, and a signature counter that went up (when the
    authenticator keeps one: py_webauthn refuses a counter that did not increase unless both
    are zero)."""
    expected_challenge = challenge_take(session, purpose)
    parsed = _authentication_credential(payload)
    credential_id = bytes_to_base64url(parsed.raw_id)
    rows = PasskeyCredential.objects.select_related("user").filter(credential_id=credential_id)
    if user is not None:
        rows = rows.filter(user=user)
    credential = rows.first()
    if credential is None:
        raise CredentialRefused
    handle = parsed.response.user_handle
    if handle is not None and bytes_to_base64url(handle) != credential.user_handle:
        raise CredentialRefused(credential.user)
    rp = relying_party()
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=expected_challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=bytes(credential.public_key),
            credential_current_sign_count=credential.sign_count,
            require_user_verification=True,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError) as error:
        raise CredentialRefused(credential.user) from error
    return Asserted(credential=credential, new_sign_count=verified.new_sign_count)
