"""*Mon compte* pages. Each view parses its form, calls one service, renders or redirects."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import account_services as services
from accounts.account_forms import AttachmentReportForm, EmailChangeForm, PasswordChangeForm
from accounts.devices import describe_user_agent
from accounts.models import MAX_DATABASE_ID, Guardianship, Student, User
from accounts.sessions import active_sessions
from educonnect.http import client_ip, user_agent

EMAIL_TOKEN_SESSION_KEY = "_email_verification_token"  # noqa: S105 - a key name


def _facts(request: HttpRequest) -> services.RequestFacts:
    return services.RequestFacts(
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        session_key=request.session.session_key,
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _status(form: object, request: HttpRequest) -> int:
    return HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK


@never_cache
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=user, new_password=form.cleaned_data["new_password1"], facts=_facts(request)
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Votre mot de passe a été modifié."))
        return redirect("accounts:account")
    context = {"form": form, "forced": user.must_change_password}
    return render(request, "accounts/change_password.html", context, status=_status(form, request))


@never_cache
@require_http_methods(["GET", "POST"])
def change_email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailChangeForm(user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.email_change_request(
            user=user, new_email=form.cleaned_data["email"], facts=_facts(request)
        )
        return render(request, "accounts/email_sent.html", {"email": form.cleaned_data["email"]})
    return render(
        request, "accounts/change_email.html", {"form": form}, status=_status(form, request)
    )


@login_not_required
@never_cache
def verify_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """Keep the token out of the address bar and Referer: into the session, then redirect."""
    request.session[EMAIL_TOKEN_SESSION_KEY] = token[:100]
    return redirect("accounts:verify_email")


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    token = request.session.get(EMAIL_TOKEN_SESSION_KEY, "")
    try:
        if request.method == "POST":
            address = services.email_verify(user=user, token=token, facts=_facts(request))
            request.session.pop(EMAIL_TOKEN_SESSION_KEY, None)
            messages.success(request, _("L'adresse %(email)s est vérifiée.") % {"email": address})
            return redirect("accounts:account")
        code = services.email_link_lookup(user=user, token=token)
    except services.EmailLinkInvalid:
        request.session.pop(EMAIL_TOKEN_SESSION_KEY, None)
        return render(request, "accounts/email_link_invalid.html", status=HTTPStatus.BAD_REQUEST)
    return render(request, "accounts/verify_email.html", {"email": code.destination})


@never_cache
def journal(request: HttpRequest) -> HttpResponse:
    events = services.journal(_user(request))
    for event in events:
        event.device = describe_user_agent(event.user_agent)  # type: ignore[attr-defined]
    return render(request, "accounts/journal.html", {"events": events})


@never_cache
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        raw = request.POST.get("session", "")
        session_id = int(raw) if raw.isdigit() else None
        if raw and session_id is None:
            return render(request, "400.html", status=HTTPStatus.BAD_REQUEST)
        ended = services.session_end_by_owner(
            user=user, facts=_facts(request), session_id=session_id
        )
        messages.success(request, _("Sessions fermées : %(count)d.") % {"count": ended})
        return redirect("accounts:sessions")
    rows = active_sessions(user)
    for row in rows:
        row.device = describe_user_agent(row.user_agent)  # type: ignore[attr-defined]
        row.is_current = row.session_key == request.session.session_key  # type: ignore[attr-defined]
    return render(request, "accounts/sessions.html", {"sessions": rows})


@never_cache
@require_http_methods(["GET", "POST"])
def report_attachment(request: HttpRequest, student_id: int) -> HttpResponse:
    user = _user(request)
    if student_id > MAX_DATABASE_ID:  # the database would refuse the query: a 500, not a 404
        raise Http404
    link = (
        Guardianship.objects.select_related("student__establishment")
        .filter(guardian__account=user, student_id=student_id)
        .first()
    )
    if link is None:
        raise Http404
    form = AttachmentReportForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attachment_report_create(
                user=user,
                student_id=student_id,
                comment=form.cleaned_data["comment"],
                facts=_facts(request),
            )
        except Student.DoesNotExist:
            raise Http404 from None
        messages.success(
            request,
            _("Votre signalement a été transmis au secrétariat de %(school)s.")
            % {"school": link.student.establishment.name},
        )
        return redirect("accounts:account")
    context = {"form": form, "student": link.student}
    return render(
        request, "accounts/report_attachment.html", context, status=_status(form, request)
    )
