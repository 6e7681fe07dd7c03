"""Per-request account rules: record the signed-in browser, enforce the forced first change,
give a browser that just signed in its device cookie."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.known_devices import device_cookie_set
from accounts.sessions import session_touch
from core.http import client_ip, user_agent


class AccountMiddleware:
    """After authentication: track the session, and send an account that must change its
    temporary password to the change form whatever page it asks for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            # No session, so nobody signed in: the account is not loaded for nothing.
            return self.get_response(request)
        user = request.user
        if user.is_authenticated:
            session_touch(
                user=user,
                session=request.session,
                ip_address=client_ip(request),
                user_agent=user_agent(request),
            )
            if user.must_change_password and not self._is_allowed(request.path):
                return redirect("myaccount:change_password")
        return self.get_response(request)

    @staticmethod
    def _is_allowed(path: str) -> bool:
        allowed = (
            reverse("myaccount:change_password"),
            reverse("accounts:logout"),
            reverse("set_language"),
            reverse("healthz"),
            settings.STATIC_URL,
        )
        return path.startswith(allowed)


def known_device_cookie(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """``sign_in`` has no response: the device cookie it chose is set here, on the way out."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        device_cookie_set(request, response)
        return response

    return middleware
