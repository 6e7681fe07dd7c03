"""OpenID Connect Back-Channel Logout 1.0, the portal's side: when a person logs out, resets or
changes a password, ends their other sessions, or the school deactivates the account, every
service holding something live for them is told, by a signed logout token that the worker
delivers with retries (``identity.tasks``), and their access and refresh tokens die at once.

``logout_everywhere`` is the one entry point. Django's ``user_logged_out`` signal calls it for
the portal's own logout (and for RP-initiated logout); the password and session services call
it directly, and ``accounts.services.user_deactivate`` (every closing of an account) through
the hook ``IdentityConfig.ready`` registers (docs/IDENTITY.md lists the call sites).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_id_token_model,
    get_refresh_token_model,
)

from accounts.audit import audit_event_record
from accounts.events import EventType
from accounts.models import AuditEvent, User
from identity.claims import pairwise_subject
from identity.models import BackchannelLogout, Client
from identity.services import clients_signed_in, user_tokens_revoke
from identity.tasks import send_backchannel_logout


class Reason:
    LOGOUT = "logout"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a reason name)
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason name)
    SESSIONS_ENDED = "sessions_ended"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    TEMPORARY_PASSWORD = "temporary_password"  # noqa: S105 (a reason name)
    RENEWAL_CAMPAIGN = "renewal_campaign"


AccessToken = get_access_token_model()
IDToken = get_id_token_model()
RefreshToken = get_refresh_token_model()


def logout_everywhere(user: User, reason: str) -> int:
    """Queue one logout token per signed-in service that has a back-channel URI, then revoke
    every token of the person. Returns the number of services told."""
    with transaction.atomic():
        clients = list(clients_signed_in(user).exclude(backchannel_logout_uri=""))
        for client in clients:
            row = BackchannelLogout.objects.create(
                client=client, user=user, subject=pairwise_subject(user, client), reason=reason
            )
            send_backchannel_logout.delay_on_commit(row.pk)
        user_tokens_revoke(user=user)
        if clients:
            audit_event_record(
                event_type=EventType.OIDC_BACKCHANNEL_LOGOUT_QUEUED,
                subject=user,
                details={"reason": reason, "services": ", ".join(c.name for c in clients)},
            )
    return len(clients)


def logout_everywhere_all(users: QuerySet[User], reason: str) -> int:
    """``logout_everywhere`` for many accounts at once (a renewal campaign over an académie):
    a handful of statements whatever their number, one logout token per (person, service)
    holding something live. Returns the number of logout tokens queued."""
    now = timezone.now()
    live: set[tuple[int, int]] = set()
    for model, still_live in (
        (AccessToken, Q(expires__gt=now)),
        (IDToken, Q(expires__gt=now)),
        (RefreshToken, Q(revoked=None)),
    ):
        live.update(
            model.objects.filter(still_live, user__in=users)
            .exclude(application__backchannel_logout_uri="")
            .values_list("user_id", "application_id")
            .distinct()
        )
    with transaction.atomic():
        people = User.objects.in_bulk({user_id for user_id, _client in live})
        clients = Client.objects.in_bulk({client_id for _user, client_id in live})
        rows = BackchannelLogout.objects.bulk_create(
            BackchannelLogout(
                client=clients[client_id],
                user=people[user_id],
                subject=pairwise_subject(people[user_id], clients[client_id]),
                reason=reason,
            )
            for user_id, client_id in sorted(live)
        )
        for row in rows:
            send_backchannel_logout.delay_on_commit(row.pk)
        RefreshToken.objects.filter(user__in=users, revoked=None).update(revoked=now)
        AccessToken.objects.filter(user__in=users).delete()
        IDToken.objects.filter(user__in=users).delete()
        AuditEvent.objects.bulk_create(
            AuditEvent(
                event_type=EventType.OIDC_BACKCHANNEL_LOGOUT_QUEUED,
                subject=people[user_id],
                details={"reason": reason, "services": clients[client_id].name},
            )
            for user_id, client_id in sorted(live)
        )
    return len(rows)


def on_user_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Receiver of ``django.contrib.auth.signals.user_logged_out``."""
    if isinstance(user, User):
        logout_everywhere(user, Reason.LOGOUT)


def on_account_deactivated(user: User) -> None:
    """The hook ``accounts.services.user_deactivate`` calls (``accounts.signout``)."""
    logout_everywhere(user, Reason.ACCOUNT_DEACTIVATED)
