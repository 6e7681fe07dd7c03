"""Staff managed from the console: create, invite (which resets a second factor),
deactivate, reactivate.

An académie administrator (superuser) manages every staff member; a head of establishment
manages the secretariat and vie-scolaire members whose every establishment is one they head.
Every write runs in one transaction and is audited with the actor.

Invitations are the only way to enrol a second factor. Re-inviting someone who has
one is how it is reset, and the reset happens when the invitation is issued, not when the new
app is confirmed: an administrator resets a device because a phone was lost or stolen, or the
person left, and the old device must stop opening the console at once (django-otp refuses a
session whose device is gone at its next request). The cost is that the person has no console
until they use the new link; the link reaches them on their own address, which also tells them
of the reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, Establishment, StaffMembership, User
from accounts.roles import ensure_role_group
from accounts.scoping import headed_establishments
from accounts.services import user_create, user_deactivate
from accounts.twofactor.devices import devices_delete
from accounts.twofactor.invitations import invitation_issue, invitations_revoke, lifetime_hours
from core.channels import Channel
from core.http import RequestFacts
from core.links import absolute_url
from core.text import canonical_email
from notifications.services import notification_send

# What a head may give: the roles below theirs; heads are named by the académie.
HEAD_ASSIGNABLE_ROLES = (StaffMembership.Role.SECRETARIAT, StaffMembership.Role.VIE_SCOLAIRE)
NO_FACTS = RequestFacts(ip_address="", user_agent="")


class StaffNotAllowed(Exception):
    """The actor may not manage this person, these establishments or this role."""


class StaffEmailTaken(Exception):
    """Another staff account already has this address (one account per person)."""


@dataclass(frozen=True)
class StaffInvitationSent:
    """An invitation just issued. ``link`` exists nowhere else (only its hash is stored): it is
    shown once to an académie administrator to print and hand over, and never to a head."""

    member: User
    link: str
    emailed: bool
    devices_reset: bool


def staff_accounts() -> QuerySet[User]:
    return User.objects.filter(Q(kind=User.Kind.STAFF) | Q(is_staff=True))


def staff_members(actor: User) -> QuerySet[User]:
    """The staff ``actor`` sees in the console's staff pages: everyone for the académie, the
    staff of the establishments they head for a head, nobody otherwise."""
    if actor.is_superuser:
        return staff_accounts()
    return (
        staff_accounts()
        .filter(memberships__establishment__in=headed_establishments(actor))
        .distinct()
    )


def assignable_roles(actor: User) -> list[StaffMembership.Role]:
    if actor.is_superuser:
        return list(StaffMembership.Role)
    if headed_establishments(actor).exists():
        return list(HEAD_ASSIGNABLE_ROLES)
    return []


def may_manage(actor: User, member: User) -> bool:
    """Whether ``actor`` may invite, deactivate or reactivate ``member``: never themselves
    (another administrator does, or the operator's ``invite_staff`` command); a head only
    members whose every membership is a non-head role in an establishment they head."""
    if member.pk == actor.pk or not (member.is_staff or member.kind == User.Kind.STAFF):
        return False
    if actor.is_superuser:
        return True
    if member.is_superuser:
        return False
    headed = set(headed_establishments(actor).values_list("pk", flat=True))
    memberships = list(member.memberships.all())
    return bool(memberships) and all(
        m.establishment_id in headed and m.role in HEAD_ASSIGNABLE_ROLES for m in memberships
    )


def staff_email_taken(email: str) -> bool:
    return staff_accounts().filter(email_key=canonical_email(email)).exists()


def _establishment_of(member: User, actor: User | None) -> Establishment | None:
    """The establishment a staff event is filed under (its journal is that school's)."""
    memberships = member.memberships.select_related("establishment").order_by("pk")
    if actor is not None and not actor.is_superuser:
        memberships = memberships.filter(establishment__in=headed_establishments(actor))
    first = memberships.first()
    return first.establishment if first is not None else None


@transaction.atomic
def staff_member_create(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    email: str,
    establishments: Sequence[Establishment],
    role: str,
    facts: RequestFacts,
) -> StaffInvitationSent:
    """Create a staff account (identifier by the one identifier rule, no password yet) with
    ``role`` in each of ``establishments``, and send its invitation."""
    allowed = set(headed_establishments(actor).values_list("pk", flat=True))
    if (
        not establishments
        or any(school.pk not in allowed for school in establishments)
        or role not in assignable_roles(actor)
    ):
        raise StaffNotAllowed
    email = canonical_email(email)
    if not email or staff_email_taken(email):
        raise StaffEmailTaken
    member = user_create(
        kind=User.Kind.STAFF,
        first_name=first_name,
        last_name=last_name,
        password=None,
        email=email,
        activated=False,
    )
    member.is_staff = True
    member.save(update_fields=["is_staff"])
    member.groups.add(ensure_role_group(role))
    StaffMembership.objects.bulk_create(
        [StaffMembership(user=member, establishment=school, role=role) for school in establishments]
    )
    audit_event_record(
        event_type=AuditEvent.Type.ACCOUNT_CREATED,
        subject=member,
        actor=actor,
        establishment=establishments[0],
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"via": "console", "role": role, "establishments": [s.uai for s in establishments]},
    )
    return _invite(actor=actor, member=member, facts=facts)


@transaction.atomic
def staff_invite(*, actor: User, member: User, facts: RequestFacts) -> StaffInvitationSent:
    """A new invitation for ``member``; the older ones die, and so do their second factors.

    A head never sees the link, so they may only invite someone it can be e-mailed to: a
    member without an address would lose their second factor and get nothing."""
    if not may_manage(actor, member) or not member.is_active:
        raise StaffNotAllowed
    if not actor.is_superuser and not member.email:
        raise StaffNotAllowed
    return _invite(actor=actor, member=member, facts=facts)


@transaction.atomic
def staff_invite_by_operator(*, member: User) -> StaffInvitationSent:
    """The same, from the server's shell (``manage.py invite_staff``): how the first académie
    administrator of a deployment gets a second factor."""
    if not member.is_active or not (member.is_staff or member.kind == User.Kind.STAFF):
        raise StaffNotAllowed
    return _invite(actor=None, member=member, facts=NO_FACTS)


def _invite(*, actor: User | None, member: User, facts: RequestFacts) -> StaffInvitationSent:
    now = timezone.now()
    school = _establishment_of(member, actor)
    reset = devices_delete(user=member) > 0
    if reset:
        audit_event_record(
            event_type=AuditEvent.Type.TWO_FACTOR_RESET,
            subject=member,
            actor=actor,
            establishment=school,
            ip_address=facts.ip_address,
            user_agent=facts.user_agent,
            details={"via": "console" if actor is not None else "command"},
        )
    invitation, token = invitation_issue(user=member, created_by=actor, email=member.email, now=now)
    link = absolute_url("console:invitation_link", token)
    if member.email:
        notification_send(
            channel=Channel.EMAIL,
            destination=member.email,
            template="staff_invitation",
            context={
                "identifier": member.identifier,
                "first_name": member.first_name,
                "hours": lifetime_hours(),
                "reset": reset,
                "has_password": member.has_usable_password(),
            },
            secrets={"link": link},
            user=member,
            establishment=school,
        )
    audit_event_record(
        event_type=AuditEvent.Type.STAFF_INVITATION_SENT,
        subject=member,
        actor=actor,
        establishment=school,
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"invitation": invitation.pk, "emailed": bool(member.email), "reset": reset},
    )
    return StaffInvitationSent(
        member=member, link=link, emailed=bool(member.email), devices_reset=reset
    )


def staff_deactivate(*, actor: User, member: User, facts: RequestFacts) -> bool:
    """Close a staff account (``accounts.services.user_deactivate``: no sign-in, every session
    ended, the services signed into logged out) and revoke its live invitations.
    False when it was already closed. An académie administrator's account is closed from
    the server, not from the console."""
    if not may_manage(actor, member) or member.is_superuser:
        raise StaffNotAllowed
    with transaction.atomic():
        closed = user_deactivate(
            user=member,
            actor=actor,
            facts=facts,
            establishment=_establishment_of(member, actor),
            details={"via": "console"},
        )
        if closed:
            invitations_revoke(user=member, now=timezone.now())
    return closed


@transaction.atomic
def staff_reactivate(*, actor: User, member: User, facts: RequestFacts) -> bool:
    """Open a closed staff account again (its second factor, if any, still applies)."""
    if not may_manage(actor, member):
        raise StaffNotAllowed
    if member.is_active:
        return False
    member.is_active = True
    member.save(update_fields=["is_active"])
    audit_event_record(
        event_type=AuditEvent.Type.ACCOUNT_REACTIVATED,
        subject=member,
        actor=actor,
        establishment=_establishment_of(member, actor),
        ip_address=facts.ip_address,
        user_agent=facts.user_agent,
        details={"via": "console"},
    )
    return True
