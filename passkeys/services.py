"""Writes about passkeys: add one, remove one, record a use. Each add or removal is journaled
and told to the account on every channel it has (a passkey added by someone else is how an
account is taken over for good: the owner must hear of it)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from core.http import RequestFacts
from notifications.notices import notify_account
from passkeys.ceremonies import CredentialRefused, NewCredential
from passkeys.models import NAME_MAX, PasskeyCredential


def clean_name(name: str) -> str:
    return " ".join((name or "").replace("\x00", "").split())[:NAME_MAX]


def credential_add(
    *,
    user: User,
    new: NewCredential,
    name: str,
    is_second_factor: bool,
    facts: RequestFacts,
) -> PasskeyCredential:
    """Store a verified new passkey; ``is_second_factor`` only for a staff member who proved
    their existing second factor in this session (``passkeys.views``)."""
    if PasskeyCredential.objects.filter(credential_id=new.credential_id).exists():
        raise CredentialRefused  # an authenticator claiming a credential id already known
    with transaction.atomic():
        credential = PasskeyCredential.objects.create(
            user=user,
            name=clean_name(name),
            confirmed=is_second_factor,
            credential_id=new.credential_id,
            public_key=new.public_key,
            sign_count=new.sign_count,
            transports=new.transports,
            user_handle=new.user_handle,
            aaguid=new.aaguid,
            is_backed_up=new.is_backed_up,
        )
        audit_event_record(
            event_type=AuditEvent.Type.PASSKEY_ADDED,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"name": credential.name, "second_factor": is_second_factor},
        )
        notify_account(user, "passkey_added", context={"name": credential.name})
    return credential  # type: ignore[no-any-return]  # django-otp's untyped Device


def credential_remove(*, user: User, credential_id: int, facts: RequestFacts) -> bool:
    """Remove one of the owner's passkeys (gone at once: the next login with it is refused)."""
    with transaction.atomic():
        credential = (
            PasskeyCredential.objects.select_for_update()
            .filter(user=user, pk=credential_id)
            .first()
        )
        if credential is None:
            return False
        name = credential.name
        credential.delete()
        audit_event_record(
            event_type=AuditEvent.Type.PASSKEY_REMOVED,
            subject=user,
            actor=user,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"name": name},
        )
        notify_account(user, "passkey_removed", context={"name": name})
    return True


def credential_used(*, credential: PasskeyCredential, new_sign_count: int) -> bool:
    """Record a use with the counter the authenticator gave; False when another request
    stored a counter meanwhile (two answers racing with one counter value: one wins)."""
    updated: int = PasskeyCredential.objects.filter(
        pk=credential.pk, sign_count=credential.sign_count
    ).update(sign_count=new_sign_count, last_used_at=timezone.now())
    return updated == 1
