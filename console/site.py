"""The secretariat console's admin site: staff must have proved a second factor to enter
(when ``ADMIN_REQUIRES_OTP``, on by default with DEBUG off)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from accounts.scoping import visible_establishments
from console import dashboard
from core.links import safe_next


class PortalAdminSite(admin.AdminSite):
    site_header = _("Console du secrétariat")
    site_title = _("Console du secrétariat")
    index_title = _("Accueil")

    def has_permission(self, request: HttpRequest) -> bool:
        allowed = super().has_permission(request)
        if allowed and settings.ADMIN_REQUIRES_OTP:
            return bool(request.user.is_verified())  # type: ignore[union-attr]
        return allowed

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        schools = visible_establishments(request.user)  # type: ignore[arg-type]
        boards = [dashboard.build(school) for school in schools[:10]]
        return super().index(request, {**(extra_context or {}), "dashboards": boards})

    def get_urls(self) -> list[Any]:
        """A staff member changes their own password in Mon compte, like everyone: the current
        password is counted with the login's (``accounts.password_checks``) and the change has
        every after-change effect (``recovery.passwords.password_replace``)."""
        own_password = [
            path(
                "password_change/",
                RedirectView.as_view(pattern_name="myaccount:change_password"),
                name="password_change",
            ),
            path(
                "password_change/done/",
                RedirectView.as_view(pattern_name="myaccount:account"),
                name="password_change_done",
            ),
        ]
        return [*own_password, *super().get_urls()]

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Staff sign in on the portal's login page, never on the admin's own form: every
        login then ends in ``accounts.signin.sign_in`` (the login throttle, the journal, the
        new-device alert), and the second factor follows from here."""
        user = request.user
        target = safe_next(request, "admin:index")
        if user.is_authenticated and user.is_staff and not self.has_permission(request):
            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': target})}")
        if user.is_authenticated and self.has_permission(request):
            return redirect(target)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
