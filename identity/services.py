"""Writes of the identity provider: consents, tokens, client secrets. Each audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_id_token_model,
    get_refresh_token_model,
)

from accounts.audit import audit_event_record
from accounts.events import EventType
from accounts.models import User
from identity.models import Client, Consent

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
IDToken = get_id_token_model()


@dataclass(frozen=True)
class ConnectedService:
    client: Client
    scopes: list[str]
    granted_at: datetime
    last_used_at: datetime


def consent_record(*, user: User, client: Client, scopes: list[str], ip_address: str = "") -> None:
    """Remember what the person agreed to (or used, for a service without consent), and when."""
    now = timezone.now()
    with transaction.atomic():
        consent, created = Consent.objects.select_for_update().get_or_create(
            user=user, client=client, defaults={"scopes": " ".join(scopes), "granted_at": now}
        )
        if created or not consent.covers(scopes):
            consent.scopes = " ".join(sorted(set(consent.scopes.split()) | set(scopes)))
            audit_event_record(
                event_type=EventType.OIDC_CONSENT_GRANTED,
                subject=user,
                actor=user,
                ip_address=ip_address,
                details={"client": client.name, "scopes": consent.scopes},
            )
        consent.last_used_at = now
        consent.save(update_fields=["scopes", "last_used_at"])


def connected_services(user: User) -> list[ConnectedService]:
    rows = Consent.objects.filter(user=user).select_related("client").order_by("-last_used_at")
    return [
        ConnectedService(row.client, row.scopes.split(), row.granted_at, row.last_used_at)
        for row in rows
    ]


def user_tokens_revoke(*, user: User, client: Client | None = None) -> int:
    """Revoke the person's access and refresh tokens (of one service, or all) and forget their
    ID tokens; returns how many access tokens went."""
    scope = Q(user=user) if client is None else Q(user=user, application=client)
    with transaction.atomic():
        access = list(AccessToken.objects.filter(scope))
        for refresh in RefreshToken.objects.filter(scope, revoked=None):
            refresh.revoke()
        for token in access:
            token.revoke()
        IDToken.objects.filter(scope).delete()
    return len(access)


def consent_withdraw(*, user: User, client_id: int, ip_address: str = "") -> bool:
    """ "Retirer l'accès": the service's tokens die and it must ask again next time."""
    consent = Consent.objects.filter(user=user, client_id=client_id).select_related("client")
    row = consent.first()
    if row is None:
        return False
    with transaction.atomic():
        user_tokens_revoke(user=user, client=row.client)
        row.delete()
        audit_event_record(
            event_type=EventType.OIDC_CONSENT_WITHDRAWN,
            subject=user,
            actor=user,
            ip_address=ip_address,
            details={"client": row.client.name},
        )
    return True


def client_secret_rotate(*, client: Client, actor: User, ip_address: str = "") -> str:
    """A new secret for a confidential service, returned once to show; only its hash is kept."""
    secret = generate_client_secret()
    with transaction.atomic():
        client.client_secret = secret
        client.hash_client_secret = True
        client.save(update_fields=["client_secret", "hash_client_secret", "updated"])
        audit_event_record(
            event_type=EventType.OIDC_CLIENT_SECRET_ROTATED,
            actor=actor,
            ip_address=ip_address,
            details={"client": client.name, "client_id": client.client_id},
        )
    return secret


def clients_signed_in(user: User, now: datetime | None = None) -> QuerySet[Client]:
    """Services that hold something live for the person: an unexpired access or ID token, or a
    refresh token not revoked (the back-channel logout recipients)."""
    now = now or timezone.now()
    return Client.objects.filter(
        Q(accesstoken__user=user, accesstoken__expires__gt=now)
        | Q(idtoken__user=user, idtoken__expires__gt=now)
        | Q(refreshtoken__user=user, refreshtoken__revoked=None)
    ).distinct()
