"""Login and logout. Views translate HTTP; rules live in forms, throttling and services."""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import audit_event_record
from accounts.forms import LoginForm
from accounts.models import AuditEvent
from accounts.password_checks import password_check_failed, password_check_start
from accounts.signin import Method, after_sign_in_url, sign_in
from accounts.signout import logout_redirect_url
from core import metrics
from core.http import client_ip, request_facts, user_agent
from core.text import canonical_identifier


@login_not_required
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(settings.LOGIN_REDIRECT_URL)
    if request.method != "POST":
        return _login_page(request, LoginForm(request), HTTPStatus.OK)
    facts = request_facts(request)
    identifier = canonical_identifier(request.POST.get("identifier") or "")
    attempt = password_check_start(identifier=identifier, facts=facts)
    form = LoginForm(request, data=request.POST, wait_seconds=attempt.wait_seconds)
    if form.is_valid() and form.user is not None:
        attempt.succeeded()
        sign_in(request, form.user, method=Method.PASSWORD, facts=facts)
        return HttpResponseRedirect(after_sign_in_url(request))
    if attempt.is_refused:
        metrics.count(metrics.LOGINS, outcome="throttled", method=Method.PASSWORD)
        metrics.count(metrics.RATE_LIMITED, policy="login")
        return _login_page(request, form, HTTPStatus.TOO_MANY_REQUESTS)
    locked = password_check_failed(
        attempt=attempt, facts=facts, event_type=AuditEvent.Type.LOGIN_FAILED
    )
    metrics.count(metrics.LOGINS, outcome="locked" if locked else "failed", method=Method.PASSWORD)
    return _login_page(request, form, HTTPStatus.BAD_REQUEST)


def _login_page(request: HttpRequest, form: LoginForm, status: int) -> HttpResponse:
    context = {"form": form, "next": request.GET.get("next", "")}
    return render(request, "accounts/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    audit_event_record(
        event_type=AuditEvent.Type.LOGOUT,
        subject=request.user,  # type: ignore[arg-type]
        ip_address=client_ip(request),
        user_agent=user_agent(request),
    )
    target = logout_redirect_url(request)  # e.g. FranceConnect's logout, read before it ends
    logout(request)
    return redirect(target or settings.LOGOUT_REDIRECT_URL)
