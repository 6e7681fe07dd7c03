"""Login, logout and the account page. Views translate HTTP; rules live in services."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts import account_page
from accounts.audit import audit_event_record
from accounts.forms import LoginForm
from accounts.models import AuditEvent, User
from accounts.throttling import login_failure_record, login_throttle_clear, login_wait_seconds
from educonnect.http import client_ip, user_agent


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(settings.LOGIN_REDIRECT_URL)
    identifier = (request.POST.get("identifier") or "").strip()[:150]
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
            return HttpResponseRedirect(_safe_next(request))
        if wait:
            return _login_page(request, form, HTTPStatus.TOO_MANY_REQUESTS)
        audit_event_record(
            event_type=AuditEvent.Type.LOGIN_FAILED,
            ip_address=client_ip(request),
            user_agent=user_agent(request),
            details={"identifier": identifier},
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
        subject=User.objects.filter(identifier=identifier.lower()).first(),
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


@never_cache
def account_view(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", account_page.build(request.user))  # type: ignore[arg-type]
