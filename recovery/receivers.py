"""Recovery's answers to what the roster tells it (``roster.signals``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import Establishment, User
from core.channels import Channel
from notifications.services import notification_send
from recovery.codes import codes_kill
from recovery.models import VerificationCode
from roster.imports.plan import MobileReplaced


def mobiles_replaced_by_import(
    sender: object,
    *,
    changes: Sequence[MobileReplaced],
    establishment: Establishment,
    **kwargs: Any,
) -> None:
    """A number the school replaced takes over at once, as a console correction does: the
    codes the old numbers (and the accounts' SMS codes) received die, and each old number
    that accepted SMS is told its account's number changed."""
    reached_old = Q()
    for change in changes:
        reached_old |= Q(destination=change.old) | Q(user_id=change.account_id, channel=Channel.SMS)
    codes_kill(codes=VerificationCode.objects.filter(reached_old), now=timezone.now())
    users = User.objects.in_bulk({change.account_id for change in changes})
    for change in changes:
        if change.accepted_sms and change.account_id in users:
            notification_send(
                channel=Channel.SMS,
                destination=change.old,
                template="contact_changed",
                user=users[change.account_id],
                establishment=establishment,
            )
