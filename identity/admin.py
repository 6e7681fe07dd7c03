"""Registering the services that log people in: académie level only (superusers), every change
audited, the client secret shown once and rotatable.

django-oauth-toolkit registers this class for the application model (``APPLICATION_ADMIN_CLASS``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.settings import oauth2_settings

from accounts.audit import audit_event_record
from accounts.events import EventType
from core.http import client_ip
from identity.models import BackchannelLogout, Client
from identity.services import client_secret_rotate

_SECRET_ATTRIBUTE = "_identity_client_secret"  # noqa: S105 (an attribute name)


class ClientForm(forms.ModelForm):
    backchannel_logout_uri = forms.URLField(
        label=_("adresse de déconnexion en arrière-plan"),
        required=False,
        assume_scheme="https",
        help_text=Client._meta.get_field("backchannel_logout_uri").help_text,
    )

    class Meta:
        model = Client
        fields = [
            "name",
            "client_type",
            "redirect_uris",
            "post_logout_redirect_uris",
            "backchannel_logout_uri",
            "allowed_scopes",
            "sector_identifier",
            "skip_authorization",
        ]

    def clean_allowed_scopes(self) -> str:
        scopes = self.cleaned_data["allowed_scopes"].split()
        unknown = [scope for scope in scopes if scope not in oauth2_settings.SCOPES]
        if unknown:
            raise forms.ValidationError(
                _("Portées inconnues : %(scopes)s.") % {"scopes": ", ".join(unknown)}
            )
        if "openid" not in scopes:
            raise forms.ValidationError(_("La portée « openid » est obligatoire."))
        return " ".join(dict.fromkeys(scopes))


class ClientAdmin(admin.ModelAdmin):
    form = ClientForm
    list_display = ["name", "client_id", "client_type", "skip_authorization", "updated"]
    search_fields = ["name", "client_id"]
    readonly_fields = ["client_id", "created", "updated"]
    actions = ["rotate_secret"]

    # Académie level only: a school secretariat never sees nor changes the services.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def save_model(
        self, request: HttpRequest, obj: Client, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            secret = (
                generate_client_secret() if obj.client_type == Client.CLIENT_CONFIDENTIAL else ""
            )
            obj.client_secret = secret
            setattr(request, _SECRET_ATTRIBUTE, secret)
        super().save_model(request, obj, form, change)
        audit_event_record(
            event_type=EventType.OIDC_CLIENT_CHANGED if change else EventType.OIDC_CLIENT_CREATED,
            actor=request.user,  # type: ignore[arg-type]
            ip_address=client_ip(request),
            details={
                "client": obj.name,
                "client_id": obj.client_id,
                "fields": ", ".join(form.changed_data),
            },
        )

    def response_add(
        self, request: HttpRequest, obj: Client, post_url_continue: Any = None
    ) -> HttpResponse:
        secret = getattr(request, _SECRET_ATTRIBUTE, "")
        if secret:
            return self._secret_page(request, obj, secret)
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request: HttpRequest, obj: Client) -> None:
        self._audit_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Client]) -> None:
        for obj in queryset:
            self._audit_deletion(request, obj)
        super().delete_queryset(request, queryset)

    @admin.action(description=_("Générer un nouveau secret (l'ancien cesse de fonctionner)"))
    def rotate_secret(
        self, request: HttpRequest, queryset: QuerySet[Client]
    ) -> HttpResponse | None:
        clients = list(queryset)
        if len(clients) != 1 or clients[0].client_type != Client.CLIENT_CONFIDENTIAL:
            self.message_user(
                request,
                _("Choisissez un seul service confidentiel pour lui donner un nouveau secret."),
                level="error",
            )
            return None
        secret = client_secret_rotate(
            client=clients[0],
            actor=request.user,  # type: ignore[arg-type]
            ip_address=client_ip(request),
        )
        return self._secret_page(request, clients[0], secret)

    def _secret_page(self, request: HttpRequest, obj: Client, secret: str) -> HttpResponse:
        """The only time the secret is shown: it is kept hashed, never in a message or a log."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Secret du service"),
            "client": obj,
            "secret": secret,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "identity/admin/client_secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def _audit_deletion(self, request: HttpRequest, obj: Client) -> None:
        audit_event_record(
            event_type=EventType.OIDC_CLIENT_DELETED,
            actor=request.user,  # type: ignore[arg-type]
            ip_address=client_ip(request),
            details={"client": obj.name, "client_id": obj.client_id},
        )


@admin.register(BackchannelLogout)
class BackchannelLogoutAdmin(admin.ModelAdmin):
    """What was sent to which service, for "the ENT did not log me out" (read-only)."""

    list_display = ["client", "reason", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "client"]
    readonly_fields = (
        "client",
        "reason",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    fields = readonly_fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
