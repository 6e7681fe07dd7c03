"""Login and logout. Views translate HTTP; rules live in forms, throttling and services."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import audit_event_record
from accounts.forms import LoginForm
from accounts.models import AuditEvent, User
from core.http import client_ip, user_agent
from core.links import KEPT_NEXT, kept_next, safe_next
from core.ratelimits import login_failure_record, login_throttle_clear, login_wait_seconds
from core.text import canonical_identifier, is_identifier_shaped


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(settings.LOGIN_REDIRECT_URL)
    identifier = canonical_identifier(request.POST.get("identifier") or "")
    wait = login_wait_seconds(identifier=identifier, ip=client_ip(request))
    form = LoginForm(request, data=request.POST or None, wait_seconds=wait)
    if request.method == "POST":
        if form.is_valid() and form.user is not None:
            login_throttle_clear(identifier=identifier)
            login(request, form.user)
            audit_event_record(
                event_type=AuditEvent.Type.LOGIN_SUCCEEDED,
                subject=form.user,
                ip_address=client_ip(request),
                user_agent=user_agent(request),
            )
            back = kept_next(request)  # the service a lost-password journey started from
            request.session.pop(KEPT_NEXT, None)
            return HttpResponseRedirect(safe_next(request, back or settings.LOGIN_REDIRECT_URL))
        if wait:
            return _login_page(request, form, HTTPStatus.TOO_MANY_REQUESTS)
        audit_event_record(
            event_type=AuditEvent.Type.LOGIN_FAILED,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            # Only what looks like an identifier: a password typed in the wrong field is not kept.
            details={"identifier": identifier} if is_identifier_shaped(identifier) else {},
        )
        if login_failure_record(identifier=identifier, ip=client_ip(request)):
            _audit_lock(request, identifier)
    return _login_page(
        request, form, HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK
    )


def _login_page(request: HttpRequest, form: LoginForm, status: int) -> HttpResponse:
    context = {"form": form, "next": request.GET.get("next", "")}
    return render(request, "accounts/login.html", context, status=status)


def _audit_lock(request: HttpRequest, identifier: str) -> None:
    """The journal of the locked account (if there is one) says why it could not log in."""
    audit_event_record(
        event_type=AuditEvent.Type.LOGIN_LOCKED,
        subject=User.objects.filter(identifier=identifier).first(),
        ip_address=client_ip(request),
        user_agent=user_agent(request),
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit_event_record(
        event_type=AuditEvent.Type.LOGOUT,
        subject=request.user,  # type: ignore[arg-type]
        ip_address=client_ip(request),
        user_agent=user_agent(request),
    )
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
