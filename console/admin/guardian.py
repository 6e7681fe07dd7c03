"""Guardians in the console: correct a mobile or an e-mail, invite a family to register, or
create the account of a parent seen at the counter and print its letter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import Guardian
from console import actions, provisioning
from console.admin.base import (
    AccountFilter,
    EstablishmentFilter,
    EstablishmentScopedAdmin,
    ProvisionsAccounts,
    staff_of,
)
from console.admin.roster_correction import kept_corrections
from console.admin.student import GuardianshipInline
from console.letters import Letter, account_schools, letters_context
from console.search import people_filter
from core.fields import MobileField
from core.http import client_ip
from core.links import absolute_url


class GuardianForm(forms.ModelForm):  # type: ignore[type-arg]
    mobile = MobileField(required=False, help_text=Guardian._meta.get_field("mobile").help_text)

    class Meta:
        model = Guardian
        fields = ["mobile", "email", "accepts_sms"]


@admin.register(Guardian)
class GuardianAdmin(ProvisionsAccounts, EstablishmentScopedAdmin):
    form = GuardianForm
    list_display = ["last_name", "first_name", "mobile", "email", "establishment", "account"]
    list_filter = [EstablishmentFilter, AccountFilter]
    search_fields = ["email"]
    readonly_fields = [
        "last_name",
        "first_name",
        "establishment",
        "external_id",
        "account",
        "corrections",
    ]
    fields = [
        *readonly_fields[:3],
        "mobile",
        "email",
        "accepts_sms",
        "corrections",
        "external_id",
        "account",
    ]
    inlines = [GuardianshipInline]
    actions = ["invite", "print_invitation_letters", "create_accounts"]

    @admin.display(description=_("corrections conservées à l'import"))
    def corrections(self, obj: Guardian) -> str:
        return kept_corrections(obj) if obj.pk else ""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(
                people_filter(term, name_fields=["last_name", "first_name"], phone_field="mobile")
            )
        return results, duplicates

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The record's page offers the counter action while the record has no account."""
        guardian = self.get_object(request, unquote(object_id))
        may_create = (
            guardian is not None
            and guardian.account_id is None
            and self.has_provision_permission(request)
        )
        extra_context = {**(extra_context or {}), "may_create_account": may_create}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Créer le compte et imprimer la lettre"), permissions=["provision"])
    def create_accounts(
        self, request: HttpRequest, queryset: QuerySet[Guardian]
    ) -> HttpResponse | None:
        """A parent at the counter with no mobile and no e-mail: the account, and a letter
        instead of the SMS (``console.provisioning.guardians_provision``)."""
        outcome = provisioning.guardians_provision(
            staff=staff_of(request),
            guardians=list(queryset.order_by("last_name", "first_name", "pk")),
            ip_address=client_ip(request),
        )
        for guardian in outcome.already_registered:
            messages.error(
                request,
                _(
                    "%(name)s a déjà un compte : aucun second compte n'a été créé. Pour "
                    "l'aider à se connecter, ouvrez ce compte (lien de nouveau mot de passe ou "
                    "mot de passe provisoire)."
                )
                % {"name": guardian},
            )
        for guardian in outcome.no_legal_child:
            messages.error(
                request,
                _("%(name)s n'est représentant légal d'aucun élève : aucun compte créé.")
                % {"name": guardian},
            )
        if not outcome.created:
            return None  # back to the list, with the messages
        letters = [
            Letter(user=user, password=password, schools=account_schools(user))
            for user, password in outcome.created
        ]
        return render(
            request,
            "admin/accounts/letters.html",
            letters_context(letters, back_to="accounts_guardian"),
        )

    @admin.action(description=_("Imprimer un courrier d'invitation"), permissions=["change"])
    def print_invitation_letters(
        self, request: HttpRequest, queryset: QuerySet[Guardian]
    ) -> HttpResponse:
        guardians = list(
            queryset.filter(account__isnull=True, guardianships__responsibility_level=1)
            .select_related("establishment")
            .prefetch_related("guardianships__student")
            .distinct()
            .order_by("last_name", "first_name")
        )
        context = {
            "guardians": guardians,
            "count": len(guardians),
            "signup_url": absolute_url("recovery:signup"),
        }
        return render(request, "admin/accounts/invitation_letters.html", context)

    @admin.action(description=_("Inviter par SMS à créer son compte"), permissions=["change"])
    def invite(self, request: HttpRequest, queryset: QuerySet[Guardian]) -> None:
        sent = sum(
            actions.staff_invite_guardian(
                staff=staff_of(request), guardian=guardian, ip_address=client_ip(request)
            )
            for guardian in queryset.select_related("establishment")
        )
        skipped = queryset.count() - sent
        messages.success(request, _("Invitations envoyées : %(n)d.") % {"n": sent})
        if skipped:
            messages.warning(
                request,
                _(
                    "%(n)d responsable(s) non invité(s) : déjà inscrit, sans mobile, SMS refusés "
                    "ou non représentant légal."
                )
                % {"n": skipped},
            )

    def save_model(self, request: HttpRequest, obj: Guardian, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        actions.staff_change_guardian_contact(
            staff=staff_of(request),
            guardian=Guardian.objects.get(pk=obj.pk),
            mobile=form.cleaned_data["mobile"],
            email=form.cleaned_data["email"],
            accepts_sms=form.cleaned_data["accepts_sms"],
            ip_address=client_ip(request),
        )
