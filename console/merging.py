"""Merging two accounts from the console: académie level only (superusers), with the preview
the family sees in Mon compte and the same merge (``recovery.flows.merge``), journaled on
both accounts with the administrator as actor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.aliases import account_for_identifier
from accounts.merge import MergePreview, MergeRefused, MergeResult, merge_preview
from accounts.models import User
from core.http import RequestFacts
from recovery.flows.merge import account_merge_apply


class AccountNotFound(Exception):
    """No account has this identifier (the académie may be told: it sees every account)."""


def may_merge_accounts(staff: User) -> bool:
    return bool(staff.is_active and staff.is_superuser)


def _account(identifier: str) -> User:
    user = account_for_identifier(identifier)
    if user is None:
        raise AccountNotFound(identifier)
    return user


def staff_merge_preview(*, staff: User, kept: str, closed: str) -> MergePreview:
    """``kept`` and ``closed`` are canonical identifiers (an alias is read as the login reads
    it). Raises PermissionDenied, AccountNotFound or MergeRefused."""
    if not may_merge_accounts(staff):
        raise PermissionDenied
    return merge_preview(kept=_account(kept), closed=_account(closed))


def staff_merge(
    *, staff: User, kept_id: int, closed_id: int, fingerprint: str, facts: RequestFacts
) -> MergeResult:
    if not may_merge_accounts(staff):
        raise PermissionDenied
    return account_merge_apply(
        kept_id=kept_id, closed_id=closed_id, actor=staff, facts=facts, fingerprint=fingerprint
    )


__all__ = ["AccountNotFound", "MergeRefused", "staff_merge", "staff_merge_preview"]
