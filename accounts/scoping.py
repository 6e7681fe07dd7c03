"""Which establishments a staff user may see (their memberships, or all for a superuser)
and which they head, and which journal events: one rule each, used by every console page."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from accounts.models import AuditEvent, Establishment, StaffMembership, User


def visible_establishments(user: User) -> QuerySet[Establishment]:
    if user.is_superuser:
        return Establishment.objects.all()
    return Establishment.objects.filter(memberships__user=user)


def headed_establishments(user: User) -> QuerySet[Establishment]:
    """Where ``user`` manages the staff: where they are head, or everywhere for a superuser."""
    if user.is_superuser:
        return Establishment.objects.all()
    return Establishment.objects.filter(
        memberships__user=user, memberships__role=StaffMembership.Role.HEAD
    )


def acting_establishment(staff: User, user: User) -> Establishment | None:
    """The school in whose name ``staff`` acts on ``user``'s account: the first of the staff
    member's schools that holds a record of the account (None at académie level)."""
    if staff.is_superuser:
        return None
    shared = Q(students__account=user) | Q(guardians__account=user)
    return visible_establishments(staff).filter(shared).order_by("name", "pk").first()


def visible_events(
    events: QuerySet[AuditEvent], schools: QuerySet[Establishment]
) -> QuerySet[AuditEvent]:
    """The events staff of ``schools`` may read.

    An event tagged with an establishment (what a school did or what was done in its name) is
    read by that establishment only. An untagged one is the account's own (its logins,
    password changes, reminders) or the académie's: every school of its subject reads it,
    unless a staff member of another school was its author. Every join is scoped in the same
    ``filter()``, so a record of another school never lets its events through."""
    of_subject_here = Q(subject__student__establishment__in=schools) | Q(
        subject__guardian_records__establishment__in=schools
    )
    author_may_show = (
        Q(actor__isnull=True)
        | Q(actor=F("subject"))
        | Q(actor__is_superuser=True)
        | Q(actor__memberships__establishment__in=schools)
    )
    untagged = Q(establishment__isnull=True) & of_subject_here & author_may_show
    return events.filter(Q(establishment__in=schools) | untagged).distinct()
