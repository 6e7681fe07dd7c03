"""Secretariat console: every list, search, page and action is limited to the staff member's
establishments (a superuser, at académie level, sees all), and every action is audited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import admin_import, staff_services
from accounts.models import (
    MAX_DATABASE_ID,
    AttachmentReport,
    AuditEvent,
    Establishment,
    Guardian,
    Guardianship,
    StaffMembership,
    Student,
    User,
)
from accounts.phones import InvalidPhoneNumber, normalize_mobile
from accounts.scoping import visible_establishments
from accounts.search import people_filter
from educonnect.http import client_ip


def _staff(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class EstablishmentScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Limits a list to rows whose ``scope_path`` establishment the staff member belongs to."""

    scope_path = "establishment"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(_staff(request))
        return queryset.filter(**{f"{self.scope_path}__in": allowed}).distinct()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Establishment and not request.user.is_superuser:
            kwargs["queryset"] = visible_establishments(_staff(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScopedAdmin):
    scope_path = "pk"
    list_display = ["name", "uai", "kind", "academie", "import_link"]
    search_fields = ["name", "uai"]

    @admin.display(description=_("annuaire"))
    def import_link(self, obj: Establishment) -> str:
        url = reverse("admin:accounts_establishment_import", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Importer"))

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.import_roster_view)
        return [
            path("<int:pk>/importer/", view, name="accounts_establishment_import"),
            *super().get_urls(),
        ]

    def import_roster_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if pk > MAX_DATABASE_ID:
            raise PermissionDenied
        establishment = self.get_queryset(request).filter(pk=pk).first()
        if establishment is None or not request.user.has_perm("accounts.import_roster"):
            raise PermissionDenied
        return admin_import.import_view(request, establishment)


class GuardianshipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Guardianship
    extra = 0
    raw_id_fields = ["student", "guardian"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Student)
class StudentAdmin(EstablishmentScopedAdmin):
    list_display = ["last_name", "first_name", "class_name", "establishment", "birth_date"]
    list_filter = ["establishment", "class_name"]
    search_fields = ["ine"]
    inlines = [GuardianshipInline]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(people_filter(term, name_fields=["last_name", "first_name"]))
        return results, duplicates


class GuardianForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Guardian
        fields = ["mobile", "email", "accepts_sms"]

    def clean_mobile(self) -> str:
        raw = self.cleaned_data.get("mobile", "")
        if not raw:
            return ""
        try:
            return normalize_mobile(raw)
        except InvalidPhoneNumber:
            raise ValidationError(
                _("Numéro de mobile invalide. Exemple : 06 12 34 56 78 ou +262 692 12 34 56.")
            ) from None


@admin.register(Guardian)
class GuardianAdmin(EstablishmentScopedAdmin):
    form = GuardianForm
    list_display = ["last_name", "first_name", "mobile", "email", "establishment", "account"]
    list_filter = ["establishment"]
    search_fields = ["email"]
    readonly_fields = ["last_name", "first_name", "establishment", "external_id", "account"]
    fields = readonly_fields[:3] + ["mobile", "email", "accepts_sms", "external_id", "account"]
    inlines = [GuardianshipInline]
    actions = ["invite", "print_invitation_letters"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(
                people_filter(term, name_fields=["last_name", "first_name"], phone_field="mobile")
            )
        return results, duplicates

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
            "signup_url": settings.SITE_URL + "/inscription/",
        }
        return render(request, "admin/accounts/invitation_letters.html", context)

    @admin.action(description=_("Inviter par SMS à créer son compte"), permissions=["change"])
    def invite(self, request: HttpRequest, queryset: QuerySet[Guardian]) -> None:
        sent = sum(
            staff_services.staff_invite_guardian(
                staff=_staff(request), guardian=guardian, ip_address=client_ip(request)
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
        current = Guardian.objects.get(pk=obj.pk)
        staff_services.staff_change_guardian_contact(
            staff=_staff(request),
            guardian=current,
            mobile=form.cleaned_data["mobile"],
            email=form.cleaned_data["email"],
            ip_address=client_ip(request),
        )
        if current.accepts_sms != form.cleaned_data["accepts_sms"]:
            current.accepts_sms = form.cleaned_data["accepts_sms"]
            current.save(update_fields=["accepts_sms", "updated_at"])


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
    ]

    @admin.display(description=_("établissement / classe"))
    def school_and_class(self, obj: User) -> str:
        if obj.student is not None:
            return f"{obj.student.establishment.name} – {obj.student.class_name}"
        names = {g.establishment.name for g in obj.guardian_records.all()}
        return ", ".join(sorted(names)) or "—"

    @admin.display(boolean=True, description=_("bloqué"))
    def locked(self, obj: User) -> bool:
        from accounts.throttling import login_is_locked

        return login_is_locked(identifier=obj.identifier)

    @admin.display(description=_("dernier envoi"))
    def last_message(self, obj: User) -> str:
        status = getattr(obj, "last_message_status", None)
        if not status:
            return "—"
        from notifications.models import Notification

        return str(Notification.Status(status).label)

    @admin.display(boolean=True, description=_("activé"))
    def activated(self, obj: User) -> bool:
        return obj.activated_at is not None

    @admin.display(boolean=True, description=_("e-mail vérifié"))
    def email_verified(self, obj: User) -> bool:
        return obj.has_verified_email

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields) if not request.user.is_superuser else ["last_login"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        user = self.get_queryset(request).filter(pk=object_id).first()
        if user is not None:
            extra_context = {**(extra_context or {}), **_person_page(request, user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        from notifications.models import Notification

        latest = Notification.objects.filter(user=OuterRef("pk")).order_by("-created_at")
        queryset = (
            super()
            .get_queryset(request)
            .annotate(last_message_status=Subquery(latest.values("status")[:1]))
            .prefetch_related("guardian_records__establishment")
        )
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(_staff(request))
        return queryset.filter(
            Q(student__establishment__in=allowed) | Q(guardian_records__establishment__in=allowed)
        ).distinct()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], term: str) -> Any:
        results, duplicates = super().get_search_results(request, queryset, term)
        if term:
            results |= queryset.filter(
                people_filter(
                    term,
                    name_fields=["last_name", "first_name"],
                    phone_field="guardian_records__mobile",
                )
            )
        return results.distinct(), True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def _accounts_only(self, queryset: QuerySet[User]) -> QuerySet[User]:
        return queryset.exclude(Q(is_superuser=True) | Q(kind=User.Kind.STAFF))

    @admin.action(
        description=_("Donner un mot de passe provisoire et imprimer le courrier"),
        permissions=["change"],
    )
    def set_temporary_password(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse:
        letters = []
        for user in self._accounts_only(queryset).order_by("last_name", "first_name"):
            password = staff_services.staff_set_temporary_password(
                staff=_staff(request), user=user, ip_address=client_ip(request)
            )
            letters.append({"user": user, "password": password, "schools": _schools(user)})
        login_url = settings.SITE_URL + reverse("accounts:login")
        context = {"letters": letters, "count": len(letters), "login_url": login_url}
        return render(request, "admin/accounts/letters.html", context)

    @admin.action(
        description=_("Envoyer un lien de nouveau mot de passe par SMS"), permissions=["change"]
    )
    def send_reset_sms(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._send_reset(request, queryset, "sms")

    @admin.action(
        description=_("Envoyer un lien de nouveau mot de passe par e-mail"), permissions=["change"]
    )
    def send_reset_email(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._send_reset(request, queryset, "email")

    def _send_reset(self, request: HttpRequest, queryset: QuerySet[User], channel: str) -> None:
        accounts = list(self._accounts_only(queryset))
        sent = sum(
            staff_services.staff_send_password_reset(
                staff=_staff(request), user=user, channel=channel, ip_address=client_ip(request)
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
            staff_services.staff_unlock(
                staff=_staff(request), user=user, ip_address=client_ip(request)
            )
        messages.success(request, _("Connexion débloquée."))

    @admin.action(description=_("Désactiver les comptes sélectionnés"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Réactiver les comptes sélectionnés"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        self._set_active(request, queryset, active=True)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[User], *, active: bool) -> None:
        changed = sum(
            staff_services.staff_set_active(
                staff=_staff(request), user=user, active=active, ip_address=client_ip(request)
            )
            for user in self._accounts_only(queryset)
        )
        messages.success(
            request,
            ngettext("%(n)d compte modifié.", "%(n)d comptes modifiés.", changed) % {"n": changed},
        )


def _person_page(request: HttpRequest, user: User) -> dict[str, Any]:
    """Everything the secretariat needs on one page to answer "I got nothing"."""
    from notifications.models import Notification

    allowed = visible_establishments(_staff(request))
    guardians = user.guardian_records.filter(establishment__in=allowed).prefetch_related(
        "guardianships__student"
    )
    student_guardians = (
        Guardianship.objects.filter(student=user.student).select_related("guardian")
        if user.student_id and user.student.establishment in allowed  # type: ignore[union-attr]
        else []
    )
    return {
        "person_guardian_records": guardians,
        "person_student_guardians": student_guardians,
        "person_notifications": Notification.objects.filter(user=user)[:20],
        "person_reports": AttachmentReport.objects.filter(reporter=user, establishment__in=allowed),
        "person_events": AuditEvent.objects.filter(subject=user).select_related("actor")[:50],
    }


def _schools(user: User) -> list[str]:
    if user.student_id:
        return [user.student.establishment.name]  # type: ignore[union-attr]
    return sorted(
        {g.establishment.name for g in user.guardian_records.select_related("establishment")}
    )


class ResolutionForm(forms.ModelForm):  # type: ignore[type-arg]
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            ("", "—"),
            ("detach", _("Détacher l'enfant de ce parent")),
            ("dismiss", _("Classer sans suite (le rattachement est correct)")),
        ],
        required=False,
    )

    class Meta:
        model = AttachmentReport
        fields = ["resolution_comment"]


@admin.register(AttachmentReport)
class AttachmentReportAdmin(EstablishmentScopedAdmin):
    form = ResolutionForm
    list_display = ["created_at", "student", "reporter", "status", "establishment"]
    list_filter = ["status", "establishment"]
    readonly_fields = ["reporter", "student", "establishment", "comment", "status", "created_at"]
    fields = readonly_fields + ["decision", "resolution_comment"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: AttachmentReport, form: Any, change: bool
    ) -> None:
        decision = form.cleaned_data.get("decision")
        if decision:
            staff_services.attachment_report_resolve(
                staff=_staff(request),
                report=AttachmentReport.objects.get(pk=obj.pk),
                detach=decision == "detach",
                comment=form.cleaned_data.get("resolution_comment", ""),
                ip_address=client_ip(request),
            )


@admin.register(StaffMembership)
class StaffMembershipAdmin(EstablishmentScopedAdmin):
    list_display = ["user", "establishment", "role"]
    raw_id_fields = ["user"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["created_at", "event_type", "subject", "actor", "ip_address"]
    list_filter = ["event_type"]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEvent]:
        queryset = super().get_queryset(request).select_related("subject", "actor")
        if request.user.is_superuser:
            return queryset
        allowed = visible_establishments(_staff(request))
        return queryset.filter(
            Q(establishment__in=allowed)
            | Q(subject__student__establishment__in=allowed)
            | Q(subject__guardian_records__establishment__in=allowed)
        ).distinct()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
