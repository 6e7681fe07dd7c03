"""Lost-password pages: each view parses its form, calls one journey step, renders or redirects."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from core.http import client_ip, request_facts
from core.links import keep_next
from core.ratelimits import consume_or_429
from recovery import codes, errors
from recovery.flows.forgot_password import ForgotPasswordFlow, Step
from recovery.forms.forgot import CodeForm, ForgotPasswordForm, ResetPasswordForm
from recovery.views.common import (
    Journey,
    flow_errors,
    form_status,
    public,
    too_many_attempts_message,
)


@public
def forgot_password(request: HttpRequest) -> HttpResponse:
    keep_next(request)  # the way back to the service the login page was opened for
    form = ForgotPasswordForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        if limited := consume_or_429(request, action="forgot_password", key=identifier):
            return limited
        ForgotPasswordFlow(request.session).initiate(
            identifier=identifier,
            channel=form.cleaned_data["channel"],
            ip_address=client_ip(request),
        )
        return redirect("recovery:forgot_password_sent")
    return render(
        request, "recovery/forgot_password.html", {"form": form}, status=form_status(request)
    )


def _code_page(request: HttpRequest, form: CodeForm, status: int = HTTPStatus.OK) -> HttpResponse:
    flow = ForgotPasswordFlow(request.session)
    context = {"form": form, "resend_wait": flow.resend_wait_seconds()}
    return render(request, "recovery/code.html", context, status=status)


def _forgot_password_failure(request: HttpRequest, error: errors.RecoveryError) -> HttpResponse:
    if isinstance(error, errors.TooManyAttempts):
        message = too_many_attempts_message()
    else:
        message = (
            _(
                "Ce lien ne fonctionne plus : il a déjà servi, un lien plus récent l'a remplacé, "
                "ou ses %(code_minutes)d minutes sont passées. Demandez un nouveau lien."
            )
            % codes.lifetimes()
        )
    return render(
        request, "recovery/failed.html", {"message": message}, status=HTTPStatus.BAD_REQUEST
    )


FORGOT_PASSWORD = Journey(
    start="recovery:forgot_password",
    code_step="recovery:forgot_password_sent",
    code_page=_code_page,
    failure=_forgot_password_failure,
)


@public
@flow_errors(FORGOT_PASSWORD)
def forgot_password_sent(request: HttpRequest) -> HttpResponse:
    """The code-entry page (SMS) or the "check your mailbox" page (e-mail), for everyone."""
    flow = ForgotPasswordFlow(request.session)
    state = flow.resume(Step.CODE, Step.EMAIL_SENT, Step.PASSWORD)
    if state["step"] == Step.PASSWORD:
        return redirect("recovery:forgot_password_new")  # the same code submitted twice
    if state["step"] == Step.EMAIL_SENT:
        context = {"resend_wait": flow.resend_wait_seconds()}
        return render(request, "recovery/email_sent.html", context)
    form = CodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limited := consume_or_429(
            request, action="forgot_password_code", key=state["identifier"]
        ):
            return limited
        flow.confirm(form.cleaned_data["code"])
        return redirect("recovery:forgot_password_new")
    return _code_page(request, form, status=form_status(request))


@login_not_required
@require_POST
@flow_errors(FORGOT_PASSWORD)
def forgot_password_resend(request: HttpRequest) -> HttpResponse:
    flow = ForgotPasswordFlow(request.session)
    state = flow.resume(Step.CODE, Step.EMAIL_SENT)
    if limited := consume_or_429(request, action="forgot_password", key=state["identifier"]):
        return limited
    flow.resend(ip_address=client_ip(request))
    messages.success(request, _("Un nouvel envoi a été demandé. Seul le dernier reçu fonctionne."))
    return redirect("recovery:forgot_password_sent")


@login_not_required
@never_cache
def forgot_password_link(request: HttpRequest, token: str) -> HttpResponse:
    """Keep the token out of the address bar and Referer: into the session, then redirect."""
    ForgotPasswordFlow(request.session).open_link(token)
    return redirect("recovery:forgot_password_new")


@public
@sensitive_post_parameters("new_password1", "new_password2")
@flow_errors(FORGOT_PASSWORD)
def forgot_password_new(request: HttpRequest) -> HttpResponse:
    flow = ForgotPasswordFlow(request.session)
    if flow.is_done():
        return redirect("recovery:forgot_password_done")  # the form submitted twice
    user = flow.user()
    form = ResetPasswordForm(user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        flow.finish(new_password=form.cleaned_data["new_password1"], facts=request_facts(request))
        return redirect("recovery:forgot_password_done")
    context: dict[str, object] = {"form": form}
    if request.user.is_authenticated and request.user.pk != user.pk:
        # A link opened in a browser signed in as someone else: say whose password changes.
        context.update(signed_in_as=request.user.get_username(), reset_for=user.identifier)
    return render(request, "recovery/new_password.html", context, status=form_status(request))


@public
@flow_errors(FORGOT_PASSWORD)
def forgot_password_done(request: HttpRequest) -> HttpResponse:
    ForgotPasswordFlow(request.session).resume(Step.DONE)
    return render(request, "recovery/done.html")
