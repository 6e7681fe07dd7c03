"""Merging two accounts of one person into one (« regroupement de comptes »).

``merge_preview`` says whether two accounts may be merged and what would move (each
registered ``accounts.merging.Mover`` describes its part), with a fingerprint of the account to
be closed. ``accounts_merge`` does it in one transaction, both rows locked in primary-key
order: the same checks again, the fingerprint compared (a password reset, a new e-mail or any
other change of the closed account since the preview refuses the merge), the owner told on
both accounts' channels while the closed one still has them (``announce``), every mover run,
the closed account's identifiers made aliases of the kept one, the closed account deactivated
with an unusable password and its sessions ended, and both journals written.

What lies above this app (notices, the identity provider's back-channel logout) comes in as
the ``announce`` and ``after_close`` callables: ``recovery.flows.merge.account_merge_apply``.
A second submission of the same merge finds it done and returns ``MergeResult(merged=False)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_event_record
from accounts.merging import movers
from accounts.models import AuditEvent, IdentifierAlias, User
from accounts.people import comparable_name
from accounts.sessions import sessions_end
from core.http import RequestFacts

Hook = Callable[[User, User], None]


class MergeRefused(Exception):
    """The two accounts may not (or may no longer) be merged; ``message`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(REFUSALS[self.code])


REFUSALS = {
    "same": _("C'est le compte avec lequel vous êtes connecté(e) : indiquez l'autre compte."),
    "people": _(
        "Ces deux comptes ne sont pas au même nom : seuls deux comptes d'une même personne "
        "peuvent être regroupés. Si votre nom est écrit différemment selon l'établissement, "
        "demandez au secrétariat de le corriger."
    ),
    "kind": _("Un compte élève et un compte de représentant légal ne peuvent pas être regroupés."),
    "staff": _("Les comptes du personnel ne peuvent pas être regroupés."),
    "closed": _("Ce compte est fermé ou désactivé : il ne peut pas être regroupé."),
    "changed": _(
        "Le compte à regrouper a changé depuis votre vérification (par exemple son mot de "
        "passe) : rien n'a été regroupé. Recommencez."
    ),
}


@dataclass(frozen=True)
class MergePreview:
    kept: User
    closed: User
    lines: list[str]
    fingerprint: str


@dataclass(frozen=True)
class MergeResult:
    kept: User
    merged: bool  # False: this merge was already done (a second submission)


def account_fingerprint(user: User) -> str:
    """What must not change between the preview and the merge: the password (its hash and
    when it was set), the account's state, names, e-mail and school records."""
    records = sorted(user.guardian_records.values_list("pk", flat=True))
    parts = [
        user.pk,
        user.identifier,
        user.password,
        user.password_changed_at.isoformat(),
        user.is_active,
        str(user.kind),
        user.first_name,
        user.last_name,
        user.email,
        user.email_verified_at.isoformat() if user.email_verified_at else "",
        user.student_id,
        records,
    ]
    return salted_hmac("educonnect.accounts.merge", repr(parts), algorithm="sha256").hexdigest()


def merge_check(*, kept: User, closed: User) -> None:
    """Raise ``MergeRefused`` unless ``closed`` may be merged into ``kept``: two accounts, of
    the same kind (never a student's into a parent's), neither staff, both open, and the same
    names after the usual folding (``accounts.people.comparable_name``)."""
    if kept.pk == closed.pk:
        raise MergeRefused("same")
    if User.Kind.STAFF in (kept.kind, closed.kind) or any(
        user.is_staff or user.is_superuser for user in (kept, closed)
    ):
        raise MergeRefused("staff")
    if kept.kind != closed.kind:
        raise MergeRefused("kind")
    if not (kept.is_active and closed.is_active):
        raise MergeRefused("closed")
    if (comparable_name(kept.first_name), comparable_name(kept.last_name)) != (
        comparable_name(closed.first_name),
        comparable_name(closed.last_name),
    ) or not comparable_name(kept.last_name):
        raise MergeRefused("people")


def merge_preview(*, kept: User, closed: User) -> MergePreview:
    merge_check(kept=kept, closed=closed)
    lines = [line for mover in movers() for line in mover.describe(closed)]
    return MergePreview(
        kept=kept, closed=closed, lines=lines, fingerprint=account_fingerprint(closed)
    )


def _already_merged(kept_id: int, closed: User) -> bool:
    return (
        not closed.is_active
        and IdentifierAlias.objects.filter(
            identifier=closed.identifier, user_id=kept_id, kind=IdentifierAlias.Kind.MERGED
        ).exists()
    )


def accounts_merge(
    *,
    kept_id: int,
    closed_id: int,
    actor: User,
    facts: RequestFacts,
    fingerprint: str,
    announce: Hook | None = None,
    after_close: Hook | None = None,
) -> MergeResult:
    """Merge account ``closed_id`` into ``kept_id`` once (see the module docstring)."""
    with transaction.atomic():
        locked = {
            user.pk: user
            for user in User.objects.select_for_update()
            .filter(pk__in=[kept_id, closed_id])
            .order_by("pk")
        }
        kept, closed = locked.get(kept_id), locked.get(closed_id)
        if kept is None or closed is None:
            raise MergeRefused("closed")
        if _already_merged(kept_id, closed):
            return MergeResult(kept=kept, merged=False)
        merge_check(kept=kept, closed=closed)
        if account_fingerprint(closed) != fingerprint:
            raise MergeRefused("changed")
        if announce is not None:
            announce(kept, closed)  # while the closed account still has its contacts
        for mover in movers():
            mover.move(kept=kept, closed=closed)
        _aliases_move(kept=kept, closed=closed)
        _close(closed)
        by_owner = actor.pk in (kept.pk, closed.pk)
        by = "owner" if by_owner else "staff"
        for subject, event_type, details in (
            (kept, AuditEvent.Type.ACCOUNT_MERGED, {"closed": closed.identifier, "by": by}),
            (closed, AuditEvent.Type.ACCOUNT_MERGED_INTO, {"kept": kept.identifier, "by": by}),
        ):
            audit_event_record(
                event_type=event_type,
                subject=subject,
                actor=kept if by_owner else actor,
                ip_address=facts.ip_address,
                user_agent=facts.user_agent,
                details=details,
            )
        sessions_end(user=closed)
        if after_close is not None:
            after_close(kept, closed)
    return MergeResult(kept=kept, merged=True)


def _aliases_move(*, kept: User, closed: User) -> None:
    """The closed account's identifier and aliases sign in to the kept one from now on; a
    chosen alias of the closed account becomes a merged one (the kept account keeps its own
    choice), a retired one stays retired and reserved."""
    IdentifierAlias.objects.filter(user=closed).exclude(kind=IdentifierAlias.Kind.RETIRED).update(
        user=kept, kind=IdentifierAlias.Kind.MERGED
    )
    IdentifierAlias.objects.filter(user=closed).update(user=kept)
    IdentifierAlias.objects.create(
        identifier=closed.identifier, user=kept, kind=IdentifierAlias.Kind.MERGED
    )


def _close(closed: User) -> None:
    closed.is_active = False
    closed.set_unusable_password()
    closed.password_changed_at = timezone.now()
    closed.email = ""
    closed.email_key = ""
    closed.email_verified_at = None
    closed.save(
        update_fields=[
            "is_active",
            "password",
            "password_changed_at",
            "email",
            "email_key",
            "email_verified_at",
        ]
    )
