"""Which establishments a staff user may see: their memberships, or all for a superuser."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Establishment, User


def visible_establishments(user: User) -> QuerySet[Establishment]:
    if user.is_superuser:
        return Establishment.objects.all()
    return Establishment.objects.filter(memberships__user=user)
