"""What every console page shares: the staff member behind a request, and lists scoped to the
staff member's establishments (a superuser, at académie level, sees all)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment, Guardian, User
from accounts.scoping import visible_establishments
from core.channels import Channel


def staff_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def notifications_seen_by(schools: QuerySet[Establishment]) -> Q:
    """Which of an account's messages staff of ``schools`` may read: those sent in one of
    their schools' names, an e-mail to the account's own address, and an untagged SMS only
    to a number one of their schools holds for the account (never another school's)."""
    numbers_here = Guardian.objects.filter(
        account_id=OuterRef("user_id"), establishment__in=schools
    ).values("mobile")
    untagged = Q(channel=Channel.EMAIL) | Q(channel=Channel.SMS, destination__in=numbers_here)
    return Q(establishment__in=schools) | (Q(establishment__isnull=True) & untagged)


class EstablishmentScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Limits a list to rows whose ``scope_path`` establishment the staff member belongs to."""

    scope_path = "establishment"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(staff_of(request))
        return queryset.filter(**{f"{self.scope_path}__in": allowed}).distinct()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Establishment and not request.user.is_superuser:
            kwargs["queryset"] = visible_establishments(staff_of(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class EstablishmentFilter(admin.SimpleListFilter):
    """Filter by establishment, offering only the ones the staff member may see (Django's own
    filter would list every school of the académie to a one-school secretary)."""

    title = _("établissement")
    parameter_name = "establishment"
    field_path = "establishment"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        schools = visible_establishments(staff_of(request)).order_by("name")
        return [(str(school.pk), school.name) for school in schools]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        allowed = {str(pk) for pk, _name in self.lookup_choices}
        if value in allowed:
            return queryset.filter(**{f"{self.field_path}__pk": value})
        return queryset


class AccountFilter(admin.SimpleListFilter):
    """ "Every student (or guardian) without an account": the list to select before creating
    accounts."""

    title = _("compte")
    parameter_name = "compte"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("sans", _("sans compte")), ("avec", _("avec un compte"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "sans":
            return queryset.filter(account__isnull=True)
        if self.value() == "avec":
            return queryset.filter(account__isnull=False)
        return queryset


class ProvisionsAccounts:
    """The ``provision`` permission of the actions creating accounts from school records (a
    student's, a guardian's): staff who may change accounts, on the records their list shows."""

    def has_provision_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("accounts.change_user"))
