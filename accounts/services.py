"""Account writes: the only place where User rows are created or their password changed.

Names follow ``<entity>_<action>`` with keyword-only arguments; what must be told to the owner
(SMS, e-mail) is done by the callers above, which may send (``notifications``).
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.aliases import identifier_is_taken, taken_with_prefix
from accounts.audit import audit_event_record
from accounts.identifiers import identifier_stem, make_identifier, smallest_free_number
from accounts.models import (
    AttachmentReport,
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    User,
)
from accounts.people import comparable_name
from accounts.sessions import sessions_end
from accounts.signout import deactivation_hooks
from core.http import RequestFacts
from core.text import canonical_email

IDENTIFIER_ATTEMPTS = 20


class IdentifierAllocationError(RuntimeError):
    """Concurrent creations kept taking the identifier we computed."""


class GuardianAlreadyTied(Exception):
    """A school record was tied to an account meanwhile (replayed or concurrent creation)."""


class RecordsOfAnotherPerson(Exception):
    """School records whose names are not the account's: they may not join it."""


def _taken_identifiers(stem: str) -> set[str]:
    return taken_with_prefix(stem)


def next_free_identifier(*, first_name: str, last_name: str) -> str:
    """The identifier an account for these names would get now (the one identifier rule): the
    smallest number free among identifiers *and* aliases, so a merged account's identifier or
    one a person chose is never given again."""
    stem = identifier_stem(first_name, last_name)
    return make_identifier(stem, smallest_free_number(stem, _taken_identifiers(stem)))


def user_create(
    *,
    kind: str,
    first_name: str,
    last_name: str,
    password: str | None,
    email: str = "",
    email_verified: bool = False,
    must_change_password: bool = False,
    activated: bool = True,
    student_id: int | None = None,
) -> User:
    """Create an account under ``first.last`` + the smallest free number.

    Two creations for the same name may race for the same number; the unique constraint decides
    and the loser recomputes, so identifiers stay unique without a table lock.
    """
    now = timezone.now()
    for _attempt in range(IDENTIFIER_ATTEMPTS):
        identifier = next_free_identifier(first_name=first_name, last_name=last_name)
        user = User(
            identifier=identifier,
            kind=kind,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email,
            email_key=canonical_email(email) if email else "",
            email_verified_at=now if email and email_verified else None,
            must_change_password=must_change_password,
            activated_at=now if activated else None,
            student_id=student_id,
        )
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            if identifier_is_taken(identifier):
                continue
            raise
        return user
    raise IdentifierAllocationError(identifier_stem(first_name, last_name))


def user_email_set(*, user: User, email: str, verified: bool) -> None:
    """Store an account's e-mail with its lookup key (``core.text.canonical_email``): the one
    way ``User.email`` changes, so the key every typed address is looked up on never lags."""
    user.email = email
    user.email_key = canonical_email(email) if email else ""
    user.email_verified_at = timezone.now() if email and verified else None
    user.save(update_fields=["email", "email_key", "email_verified_at"])


def user_set_password(*, user: User, password: str, must_change: bool = False) -> None:
    """Store a new password. One the owner chose (``must_change`` false) also activates an
    account the school created: whoever created it, it is the owner's from then on."""
    user.set_password(password)
    user.must_change_password = must_change
    user.password_changed_at = timezone.now()
    fields = ["password", "must_change_password", "password_changed_at"]
    if not must_change and user.activated_at is None:
        user.activated_at = timezone.now()
        fields.append("activated_at")
    user.save(update_fields=fields)


def guardian_records_tie(*, user: User, guardian_ids: list[int]) -> None:
    """Tie school records that have no account yet to ``user``: through them the account gets
    the children they are legal guardian of (``accounts.people.legal_children``). A record tied
    to an account meanwhile raises ``GuardianAlreadyTied``, so the caller's transaction rolls
    back and a record never moves from one account to another this way."""
    tied = Guardian.objects.filter(pk__in=guardian_ids, account=None).update(
        account=user, updated_at=timezone.now()
    )
    if tied != len(set(guardian_ids)):
        raise GuardianAlreadyTied


def user_deactivate(
    *,
    user: User,
    actor: User,
    facts: RequestFacts,
    establishment: Establishment | None = None,
    details: dict[str, Any] | None = None,
) -> bool:
    """Close an account: it may no longer sign in, every browser session ends, and every hook
    the apps above registered runs (``accounts.signout``; identity's logs the person out of
    every service by back-channel and revokes their tokens), all in one transaction.

    The one way an account becomes inactive: the console's deactivate actions for families
    (``console.actions.staff_set_active``) and for staff (``console.staff.staff_deactivate``)
    and a superuser unticking "actif" on the account's page all call it, so none forgets an
    effect (a merge closes the account it absorbs with the merge's own effects:
    ``accounts.merge``). Journaled with ``actor``. False when the account was already closed:
    the conditional UPDATE lets only one of two parallel closings do the effects."""
    with transaction.atomic():
        closed = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        user.is_active = False
        if not closed:
            return False
        audit_event_record(
            event_type=AuditEvent.Type.ACCOUNT_DEACTIVATED,
            subject=user,
            actor=actor,
            establishment=establishment,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details=details,
        )
        sessions_end(user=user)
        for hook in deactivation_hooks():
            hook(user)
    return True


def parent_account_register(
    *,
    guardian_ids: list[int],
    confirmed_ids: list[int],
    declined_ids: list[int],
    password: str | None,
    facts: RequestFacts,
    via: str = "signup",
) -> User:
    """Create the parent account once and tie the proved school records to it.

    The Guardian rows are locked and must still have no account: a replayed or concurrent
    final step raises ``GuardianAlreadyTied`` and the whole transaction (the new account too)
    is rolled back. Names come from the school's record, not from what was typed.

    A child answered *non* must not appear in the new account, yet the roster row is the
    school's. Choice: the Guardianship link between this guardian's records and that child is
    removed, and an ``AttachmentReport`` (reporter: the new account) tells the child's school
    so, in its comment. While that report is open or detached, the roster import reads it as a
    refused link and does not attach the child again (roster/imports/corrections.py: this app
    cannot call the roster app); if the school finds the answer was a mistake, it dismisses the
    report and the next import attaches the child again. Links below legal-guardian level
    (2: person in charge, 3: contact) are left as the school declared them.
    """
    with transaction.atomic():
        rows = list(
            Guardian.objects.select_for_update()
            .filter(pk__in=guardian_ids)
            .select_related("establishment")
            .order_by("pk")
        )
        if not rows or len(rows) != len(set(guardian_ids)) or any(row.account_id for row in rows):
            raise GuardianAlreadyTied
        first = rows[0]
        user = user_create(
            kind=User.Kind.PARENT,
            first_name=first.first_name,
            last_name=first.last_name,
            password=password,
            activated=True,
        )
        guardian_records_tie(user=user, guardian_ids=guardian_ids)
        audit_event_record(
            event_type=AuditEvent.Type.ACCOUNT_CREATED,
            subject=user,
            actor=user,
            establishment=first.establishment,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"via": via, "children": confirmed_ids, "guardians": guardian_ids},
        )
        for student_id in declined_ids:
            _decline_child(user=user, guardian_ids=guardian_ids, student_id=student_id, facts=facts)
    return user


def parent_records_attach(
    *,
    user: User,
    guardian_ids: list[int],
    confirmed_ids: list[int],
    declined_ids: list[int],
    facts: RequestFacts,
) -> None:
    """Tie school records proved at self-registration to an account the person already has
    (and proved), instead of creating a second one: the same locks, the same "non" handling
    as ``parent_account_register``; the records must bear the account's names (folded), so
    one person's records never join another person's account."""
    with transaction.atomic():
        rows = list(
            Guardian.objects.select_for_update()
            .filter(pk__in=guardian_ids)
            .select_related("establishment")
            .order_by("pk")
        )
        if not rows or len(rows) != len(set(guardian_ids)) or any(row.account_id for row in rows):
            raise GuardianAlreadyTied
        names = (comparable_name(user.first_name), comparable_name(user.last_name))
        if user.kind != User.Kind.PARENT or any(
            (comparable_name(row.first_name), comparable_name(row.last_name)) != names
            for row in rows
        ):
            raise RecordsOfAnotherPerson
        guardian_records_tie(user=user, guardian_ids=guardian_ids)
        audit_event_record(
            event_type=AuditEvent.Type.SIGNUP_RECORDS_ATTACHED,
            subject=user,
            actor=user,
            establishment=rows[0].establishment,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"via": "signup", "children": confirmed_ids, "guardians": guardian_ids},
        )
        for student_id in declined_ids:
            _decline_child(user=user, guardian_ids=guardian_ids, student_id=student_id, facts=facts)


def _decline_child(
    *, user: User, guardian_ids: list[int], student_id: int, facts: RequestFacts
) -> None:
    links = list(
        Guardianship.objects.filter(guardian_id__in=guardian_ids, student_id=student_id)
        .select_related("student__establishment", "guardian")
        .order_by("pk")
    )
    if not links:
        return
    student = links[0].student
    AttachmentReport.objects.create(
        reporter=user,
        guardian=links[0].guardian,
        student=student,
        establishment=student.establishment,
        comment=(
            "Déclaré à l'inscription : « je ne suis pas le représentant légal de cet élève ». "
            "Le lien avec ce responsable a été retiré ; rattachez de nouveau l'élève si c'est "
            "une erreur."
        ),
    )
    Guardianship.objects.filter(pk__in=[link.pk for link in links]).delete()
    audit_event_record(
        event_type=AuditEvent.Type.ATTACHMENT_REPORTED,
        subject=user,
        actor=user,
        establishment=student.establishment,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"student": student.pk, "via": "signup"},
    )
