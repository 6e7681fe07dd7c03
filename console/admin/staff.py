"""Staff in the console: the académie administrator sees every staff member, a head
the staff of the establishments they head, anyone else nobody. Creating a member sends their
invitation; the actions re-invite (which resets the second factor), deactivate and
reactivate. The writes are ``console.staff``'s; each is audited there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Establishment, StaffInvitation, StaffMember, StaffMembership, User
from accounts.scoping import headed_establishments
from accounts.twofactor.invitations import lifetime_hours
from console import staff
from console.admin.base import staff_of
from core.http import request_facts

# The invitations just issued, shown once on the next page (the links are nowhere else).
SHOWN_ONCE_KEY = "console.staff_invitations_sent"


class StaffEstablishmentFilter(admin.SimpleListFilter):
    """Only the establishments whose staff the viewer manages, never another school's."""

    title = _("établissement")
    parameter_name = "etablissement"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        schools = headed_establishments(staff_of(request)).order_by("name")
        return [(str(school.pk), school.name) for school in schools]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        allowed = {pk for pk, _name in self.lookup_choices}
        if self.value() in allowed:
            return queryset.filter(memberships__establishment_id=self.value()).distinct()
        return queryset


class StaffRoleFilter(admin.SimpleListFilter):
    title = _("rôle")
    parameter_name = "role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(StaffMembership.Role.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in StaffMembership.Role.values:
            return queryset.filter(
                memberships__role=self.value(),
                memberships__establishment__in=headed_establishments(staff_of(request)),
            ).distinct()
        return queryset


class StaffMemberCreationForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(
        label=_("Adresse e-mail professionnelle"),
    )
    establishments = forms.ModelMultipleChoiceField(
        label=_("Établissements"),
        queryset=Establishment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un établissement.")},
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=())

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].help_text = _(
            "L'invitation à activer l'accès y est envoyée (lien valable %(hours)d heures)."
        ) % {"hours": lifetime_hours()}
        schools = headed_establishments(actor).order_by("name")
        field = self.fields["establishments"]
        field.queryset = schools  # type: ignore[attr-defined]
        if len(schools) == 1:
            field.initial = list(schools)
        self.fields["role"].choices = [  # type: ignore[attr-defined]
            (role.value, role.label) for role in staff.assignable_roles(actor)
        ]

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        if staff.staff_email_taken(email):
            raise forms.ValidationError(
                _(
                    "Un membre du personnel a déjà cette adresse : pour le rattacher à un autre "
                    "établissement, adressez-vous à l'académie."
                )
            )
        return email


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "identifier",
        "last_name",
        "first_name",
        "email",
        "schools",
        "roles",
        "is_active",
        "second_factor",
        "last_login",
    ]
    list_filter = [StaffEstablishmentFilter, StaffRoleFilter, "is_active"]
    search_fields = ["identifier", "last_name", "first_name", "email"]
    readonly_fields = (
        "identifier",
        "first_name",
        "last_name",
        "email",
        "schools",
        "roles",
        "is_active",
        "second_factor",
        "last_login",
        "date_joined",
    )
    fields = readonly_fields
    actions = ["reinvite", "deactivate", "reactivate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffMember]:
        actor = staff_of(request)
        now = timezone.now()
        live = StaffInvitation.objects.filter(
            user=OuterRef("pk"), consumed_at=None, revoked_at=None, expires_at__gt=now
        ).order_by("-expires_at")
        scoped = StaffMembership.objects.filter(
            establishment__in=headed_establishments(actor)
        ).select_related("establishment")
        members: QuerySet[StaffMember] = (
            super()
            .get_queryset(request)
            .filter(pk__in=staff.staff_members(actor).values("pk"))
            .annotate(
                has_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
                invitation_until=Subquery(live.values("expires_at")[:1]),
            )
            .prefetch_related(Prefetch("memberships", scoped, to_attr="scoped_memberships"))
        )
        return members

    @admin.display(description=_("établissements"))
    def schools(self, obj: StaffMember) -> str:
        names = sorted({m.establishment.name for m in getattr(obj, "scoped_memberships", [])})
        return ", ".join(names) or "—"

    @admin.display(description=_("rôles"))
    def roles(self, obj: StaffMember) -> str:
        labels = sorted({m.get_role_display() for m in getattr(obj, "scoped_memberships", [])})
        return ", ".join(labels) or "—"

    @admin.display(description=_("double authentification"))
    def second_factor(self, obj: StaffMember) -> str:
        if getattr(obj, "has_device", False):
            return str(_("Activée"))
        until = getattr(obj, "invitation_until", None)
        if until is not None:
            when = date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT")
            return str(_("Invitation en attente jusqu'au %(date)s") % {"date": when})
        return str(_("Aucune : envoyez une nouvelle invitation"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and bool(
            staff.assignable_roles(staff_of(request))
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The actions need the change permission; a member's page is read-only (names and
        memberships are the académie's, in the memberships list)."""
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the journal keeps who did what

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.invitations_view)
        return [
            path("invitations/", view, name="accounts_staffmember_invitations"),
            *super().get_urls(),
        ]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Names, address, establishments and role; the account and its invitation follow."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        actor = staff_of(request)
        form = StaffMemberCreationForm(request.POST or None, actor=actor)
        if request.method == "POST" and form.is_valid():
            try:
                sent = staff.staff_member_create(
                    actor=actor,
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                    email=form.cleaned_data["email"],
                    establishments=list(form.cleaned_data["establishments"]),
                    role=form.cleaned_data["role"],
                    facts=request_facts(request),
                )
            except staff.StaffNotAllowed as error:
                raise PermissionDenied from error
            except staff.StaffEmailTaken:
                form.add_error("email", _("Un membre du personnel a déjà cette adresse."))
            else:
                return self._show_once(request, [sent])
        context = {
            **self.admin_site.each_context(request),
            "title": _("Ajouter un membre du personnel"),
            "opts": self.opts,
            "form": form,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/accounts/staffmember/add_form.html", context)

    def _show_once(
        self, request: HttpRequest, sent: list[staff.StaffInvitationSent]
    ) -> HttpResponse:
        """Keep what the next page shows in the session, links only for the académie, and
        redirect there (a reload does not create or invite twice)."""
        with_links = staff_of(request).is_superuser
        request.session[SHOWN_ONCE_KEY] = [
            {
                "identifier": item.member.identifier,
                "name": item.member.get_full_name(),
                "email": item.member.email,
                "emailed": item.emailed,
                "reset": item.devices_reset,
                "link": item.link if with_links else "",
            }
            for item in sent
        ]
        return redirect("admin:accounts_staffmember_invitations")

    def invitations_view(self, request: HttpRequest) -> HttpResponse:
        """The invitations just issued, once: a reload finds nothing and goes to the list."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        sent = request.session.pop(SHOWN_ONCE_KEY, None)
        if not sent:
            return redirect("admin:accounts_staffmember_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invitations envoyées"),
            "opts": self.opts,
            "sent": sent,
            "hours": lifetime_hours(),
        }
        return TemplateResponse(request, "admin/accounts/staffmember/invitations.html", context)

    def _each(
        self, request: HttpRequest, queryset: QuerySet[StaffMember], write: Any
    ) -> tuple[list[Any], int]:
        """Run ``write`` for each selected member; count those the viewer may not manage."""
        done, refused = [], 0
        for member in queryset.order_by("last_name", "first_name"):
            try:
                result = write(actor=staff_of(request), member=member, facts=request_facts(request))
            except staff.StaffNotAllowed:
                refused += 1
            else:
                done.append(result)
        if refused:
            messages.warning(
                request,
                ngettext(
                    "%(n)d compte laissé tel quel : le vôtre, un compte désactivé ou sans "
                    "adresse e-mail, ou un compte que seule l'académie gère.",
                    "%(n)d comptes laissés tels quels : le vôtre, des comptes désactivés ou sans "
                    "adresse e-mail, ou des comptes que seule l'académie gère.",
                    refused,
                )
                % {"n": refused},
            )
        return done, refused

    @admin.action(
        description=_("Envoyer une nouvelle invitation (réinitialise la double authentification)"),
        permissions=["change"],
    )
    def reinvite(self, request: HttpRequest, queryset: QuerySet[StaffMember]) -> Any:
        sent, _refused = self._each(request, queryset, staff.staff_invite)
        if sent:
            return self._show_once(request, sent)
        return None

    @admin.action(description=_("Désactiver les comptes sélectionnés"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[StaffMember]) -> None:
        done, _refused = self._each(request, queryset, staff.staff_deactivate)
        changed = sum(done)
        messages.success(
            request,
            ngettext("%(n)d compte désactivé.", "%(n)d comptes désactivés.", changed)
            % {"n": changed},
        )

    @admin.action(description=_("Réactiver les comptes sélectionnés"), permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[StaffMember]) -> None:
        done, _refused = self._each(request, queryset, staff.staff_reactivate)
        changed = sum(done)
        messages.success(
            request,
            ngettext("%(n)d compte réactivé.", "%(n)d comptes réactivés.", changed)
            % {"n": changed},
        )
