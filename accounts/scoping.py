"""Which establishments a staff user may see (their memberships, or all for a superuser), and
which they head (whose staff they manage)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Establishment, StaffMembership, User


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
