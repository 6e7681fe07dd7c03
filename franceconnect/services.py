"""Writes and rules of the FranceConnect link: tie, untie, and what moves in a merge."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from core.http import RequestFacts
from franceconnect.models import FranceConnectLink
from notifications.notices import notify_account


class AlreadyLinked(Exception):
    """This FranceConnect identity, or this account, is already linked."""


class LastWayIn(Exception):
    """Unlinking would leave the account with no way to sign in."""


def link_for(user: User) -> FranceConnectLink | None:
    return FranceConnectLink.objects.filter(user=user).first()


def link_create(
    *, user: User, sub: str, facts: RequestFacts, notify: bool = True
) -> FranceConnectLink:
    """Tie ``sub`` to ``user`` once (one identity per account, one account per identity),
    journaled, and tell the account on every channel (unless it was created just now: the
    welcome SMS says enough)."""
    try:
        with transaction.atomic():
            link = FranceConnectLink.objects.create(user=user, sub=sub, linked_at=timezone.now())
    except IntegrityError:
        raise AlreadyLinked from None
    audit_event_record(
        event_type=AuditEvent.Type.FRANCECONNECT_LINKED,
        subject=user,
        actor=user,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
    )
    if notify:
        notify_account(user, "franceconnect_linked")
    return link


# Other ways into an account than FranceConnect. A passkeys app registers its own check
# (``register_other_way_in``) so that a passkey also allows unlinking.
OtherWayIn = Callable[[User], bool]


def _has_password(user: User) -> bool:
    return user.has_usable_password()


_OTHER_WAYS_IN: list[OtherWayIn] = [_has_password]


def register_other_way_in(check: OtherWayIn) -> None:
    if check not in _OTHER_WAYS_IN:
        _OTHER_WAYS_IN.append(check)


def may_unlink(user: User) -> bool:
    """FranceConnect may be unlinked only when the account keeps another way in (a password,
    or whatever ``register_other_way_in`` added)."""
    return any(check(user) for check in _OTHER_WAYS_IN)


def link_delete(*, user: User, facts: RequestFacts) -> None:
    """Untie FranceConnect from ``user``; refused (``LastWayIn``) when it is the only way in."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not may_unlink(locked):
            raise LastWayIn
        deleted, _rows = FranceConnectLink.objects.filter(user=locked).delete()
        if not deleted:
            return
        audit_event_record(
            event_type=AuditEvent.Type.FRANCECONNECT_UNLINKED,
            subject=locked,
            actor=locked,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
        )
        notify_account(locked, "franceconnect_unlinked")


class LinkMover:
    """Merging two accounts: the closed one's FranceConnect link moves to the kept one, unless
    the kept one already has its own (then the closed one's is dropped with the account)."""

    def describe(self, closed: User) -> list[str]:
        if FranceConnectLink.objects.filter(user=closed).exists():
            return [_("La connexion avec FranceConnect")]
        return []

    def move(self, *, kept: User, closed: User) -> None:
        if FranceConnectLink.objects.filter(user=kept).exists():
            FranceConnectLink.objects.filter(user=closed).delete()
            return
        FranceConnectLink.objects.filter(user=closed).update(user=kept)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkMover)

    def __hash__(self) -> int:
        return hash(LinkMover)
