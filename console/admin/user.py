"""Accounts in the console: the person page ("I got nothing"), resets, temporary passwords,
unlocking, deactivation; every action goes through console.actions and is audited."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten, unquote
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import AttachmentReport, AuditEvent, Guardian, Guardianship, User
from accounts.scoping import acting_establishment, visible_establishments, visible_events
from accounts.services import user_deactivate
from console import actions
from console.admin.base import notifications_seen_by, staff_of
from console.admin.user_merge import merge_view
from console.letters import Letter, account_schools, letters_context
from console.merging import may_merge_accounts
from console.search import people_filter, phone_query
from core.channels import Channel
from core.http import client_ip, request_facts
from core.ratelimits import login_is_locked
from core.text import canonical_email
from notifications.models import Notification


@admin.register(User)
class UserAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "identifier",
        "last_name",
        "first_name",
        "kind",
        "school_and_class",
        "is_active",
        "activated",
        "email_verified",
        "locked",
        "last_login",
        "last_message",
    ]
    list_select_related = ["student__establishment"]
    list_filter = ["kind", "is_active"]
    search_fields = ["identifier", "email", "student__ine"]
    fields = [
        "identifier",
        "kind",
        "first_name",
        "last_name",
        "email",
        "email_verified_at",
        "is_active",
        "must_change_password",
        "password_changed_at",
        "renewal_campaign",
        "activated_at",
        "last_login",
        "date_joined",
        "student",
    ]
    actions = [
        "send_reset_sms",
        "send_reset_email",
        "unlock",
        "set_temporary_password",
        "deactivate",
        "reactivate",
        "merge_two",
    ]

    @admin.display(description=_("établissement / classe"))
    def school_and_class(self, obj: User) -> str:
        if obj.student is not None:
            return f"{obj.student.establishment.name} – {obj.student.class_name}"
        records = getattr(obj, "records_here", None)
        if records is None:  # not from this admin's list
            records = list(obj.guardian_records.select_related("establishment"))
        names = {g.establishment.name for g in records}
        return ", ".join(sorted(names)) or "—"

    @admin.display(boolean=True, description=_("bloqué"))
    def locked(self, obj: User) -> bool:
        return login_is_locked(identifier=obj.identifier)

    @admin.display(description=_("dernier envoi"))
    def last_message(self, obj: User) -> str:
        status = getattr(obj, "last_message_status", None)
        if not status:
            return "—"
        return str(Notification.Status(status).label)

    @admin.display(boolean=True, description=_("activé"))
    def activated(self, obj: User) -> bool:
        return obj.activated_at is not None

    @admin.display(boolean=True, description=_("e-mail vérifié"))
    def email_verified(self, obj: User) -> bool:
        return obj.has_verified_email

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Only a superuser edits these fields; an e-mail written here gets its lookup key
        like every other (``accounts.services.user_email_set``), a verified address replaced
        here loses its live reset links (``console.actions``), and unticking "actif" closes the
        account as the deactivate actions do (``accounts.services.user_deactivate``: sessions,
        the services signed into, the journal), in the admin's transaction."""
        obj.email_key = canonical_email(obj.email) if obj.email else ""
        closing = change and "is_active" in form.changed_data and not obj.is_active
        if closing:
            obj.is_active = True  # the other fields first; the closing is user_deactivate's
        super().save_model(request, obj, form, change)
        if change:
            actions.staff_account_email_saved(
                staff=staff_of(request),
                user=obj,
                previous_email=form.initial.get("email") or "",
                was_verified=form.initial.get("email_verified_at") is not None,
                ip_address=client_ip(request),
            )
        if closing:
            user_deactivate(
                user=obj,
                actor=staff_of(request),
                facts=request_facts(request),
                establishment=acting_establishment(staff_of(request), obj),
                details={"via": "account_page"},
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if not request.user.is_superuser:
            return flatten(self.fields)
        return ["last_login", "password_changed_at", "renewal_campaign"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # The admin's own resolution: a malformed or unknown id is "no such account", not a 500.
        user = self.get_object(request, unquote(object_id))
        if user is not None:
            extra_context = {**(extra_context or {}), **_person_page(request, user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """The staff member's accounts, each with only their schools' records and messages
        (the list's school column and last message never name another school)."""
        allowed = visible_establishments(staff_of(request))
        records = Guardian.objects.select_related("establishment")
        latest = Notification.objects.filter(user=OuterRef("pk")).order_by("-created_at")
        if not request.user.is_superuser:
            records = records.filter(establishment__in=allowed)
            latest = latest.filter(notifications_seen_by(allowed))
        queryset: QuerySet[User] = (
            super()
            .get_queryset(request)
            .annotate(last_message_status=Subquery(latest.values("status")[:1]))
            # Under its own name: the accounts the actions act on keep their whole manager.
            .prefetch_related(
                Prefetch("guardian_records", queryset=records, to_attr="records_here")
            )
        )
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            Q(student__establishment__in=allowed) | Q(guardian_records__establishment__in=allowed)
        ).distinct()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        """Names, and a mobile only as one of the staff member's schools holds it: the phone
        join is scoped in the same ``filter()`` as the number."""
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(people_filter(term, name_fields=["last_name", "first_name"]))
            phone = phone_query(term)
            if phone:
                scope = (
                    {}
                    if request.user.is_superuser
                    else {
                        "guardian_records__establishment__in": visible_establishments(
                            staff_of(request)
                        )
                    }
                )
                results |= queryset.filter(guardian_records__mobile=phone, **scope)
        return results.distinct(), True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_merge_permission(self, request: HttpRequest) -> bool:
        """Merging accounts is the académie's (console.merging), never a school's."""
        return may_merge_accounts(staff_of(request))

    def get_urls(self) -> list[Any]:
        merge = path(
            "regrouper/",
            self.admin_site.admin_view(partial(merge_view, self)),
            name="accounts_user_merge",
        )
        return [merge, *super().get_urls()]

    @admin.action(description=_("Regrouper deux comptes (académie)"), permissions=["merge"])
    def merge_two(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        chosen = list(queryset.order_by("date_joined", "pk")[:3])
        if len(chosen) != 2:  # noqa: PLR2004 - a merge is of two accounts
            messages.error(request, _("Sélectionnez exactement deux comptes à regrouper."))
            return None
        query = urlencode({"kept": chosen[0].identifier, "closed": chosen[1].identifier})
        return redirect(f"{reverse('admin:accounts_user_merge')}?{query}")

    def _accounts_only(self, queryset: QuerySet[User]) -> QuerySet[User]:
        return queryset.exclude(Q(is_superuser=True) | Q(kind=User.Kind.STAFF))

    @admin.action(
        description=_("Donner un mot de passe provisoire et imprimer le courrier"),
        permissions=["change"],
    )
    def set_temporary_password(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        letters = []
        staff = staff_of(request)
        for user in self._accounts_only(queryset).order_by("last_name", "first_name"):
            if not actions.staff_may_hand_out_password(staff, user):
                messages.warning(
                    request,
                    _(
                        "Pas de mot de passe provisoire pour %(name)s : un autre établissement "
                        "suit aussi ce compte. Envoyez plutôt un lien de nouveau mot de passe "
                        "par SMS, ou demandez-le au rectorat."
                    )
                    % {"name": user.get_full_name()},
                )
                continue
            password = actions.staff_set_temporary_password(
                staff=staff, user=user, ip_address=client_ip(request)
            )
            letters.append(Letter(user=user, password=password, schools=account_schools(user)))
        if not letters:
            return None  # back to the list, with the warnings
        return render(request, "admin/accounts/letters.html", letters_context(letters))

    @admin.action(
        description=_("Envoyer un lien de nouveau mot de passe par SMS"), permissions=["change"]
    )
    def send_reset_sms(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._send_reset(request, queryset, Channel.SMS)

    @admin.action(
        description=_("Envoyer un lien de nouveau mot de passe par e-mail"), permissions=["change"]
    )
    def send_reset_email(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._send_reset(request, queryset, Channel.EMAIL)

    def _send_reset(self, request: HttpRequest, queryset: QuerySet[User], channel: Channel) -> None:
        accounts = list(self._accounts_only(queryset))
        sent = sum(
            actions.staff_send_password_reset(
                staff=staff_of(request), user=user, channel=channel, ip_address=client_ip(request)
            )
            for user in accounts
        )
        messages.success(request, _("Liens envoyés : %(n)d.") % {"n": sent})
        if sent < len(accounts):
            messages.warning(
                request,
                _(
                    "%(n)d compte(s) sans ce canal (aucun mobile accepté pour les SMS, ou "
                    "e-mail non vérifié) : utilisez le mot de passe provisoire et le courrier."
                )
                % {"n": len(accounts) - sent},
            )

    @admin.action(description=_("Débloquer la connexion"), permissions=["change"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in self._accounts_only(queryset):
            actions.staff_unlock(staff=staff_of(request), user=user, ip_address=client_ip(request))
        messages.success(request, _("Connexion débloquée."))

    @admin.action(description=_("Désactiver les comptes sélectionnés"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Réactiver les comptes sélectionnés"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=True)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[User], *, active: bool) -> None:
        changed = sum(
            actions.staff_set_active(
                staff=staff_of(request), user=user, active=active, ip_address=client_ip(request)
            )
            for user in self._accounts_only(queryset)
        )
        messages.success(
            request,
            ngettext("%(n)d compte modifié.", "%(n)d comptes modifiés.", changed) % {"n": changed},
        )


def _person_page(request: HttpRequest, user: User) -> dict[str, Any]:
    """Everything the secretariat needs on one page to answer "I got nothing", and nothing of
    another school: records, messages (``console.admin.base.notifications_seen_by``) and
    events (``accounts.scoping.visible_events``) are all scoped."""
    allowed = visible_establishments(staff_of(request))
    guardians = user.guardian_records.filter(establishment__in=allowed).prefetch_related(
        "guardianships__student"
    )
    student_guardians = (
        Guardianship.objects.filter(student=user.student).select_related("guardian")
        if user.student is not None and user.student.establishment in allowed
        else []
    )
    return {
        "person_guardian_records": guardians,
        "person_student_guardians": student_guardians,
        "person_notifications": Notification.objects.filter(
            notifications_seen_by(allowed), user=user
        )[:20],
        "person_reports": AttachmentReport.objects.filter(reporter=user, establishment__in=allowed),
        "person_events": visible_events(AuditEvent.objects.filter(subject=user), allowed)
        .select_related("actor")
        .order_by("-created_at")[:50],
    }
