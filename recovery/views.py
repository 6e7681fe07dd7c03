"""Recovery pages. Each view parses its form, calls one flow step, renders or redirects;
every flow error becomes a page in ``error_page`` and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.account_services import RequestFacts
from educonnect.http import client_ip, user_agent
from recovery import errors
from recovery.flows.forgot_identifier import ForgotIdentifierFlow
from recovery.flows.forgot_password import ForgotPasswordFlow, Step
from recovery.forms import (
    CodeForm,
    ForgotIdentifierEmailForm,
    ForgotIdentifierSmsForm,
    ForgotPasswordForm,
    ResetPasswordForm,
)
from recovery.ratelimits import consume_or_429

View = Callable[..., HttpResponse]


def public(view: View) -> View:
    """Every recovery page: open without an account, never cached, GET and POST only."""
    return login_not_required(never_cache(require_http_methods(["GET", "POST"])(view)))


@dataclass(frozen=True)
class Journey:
    """What differs between recovery journeys when a step fails: where it starts over, where
    its code is typed, how its code page is drawn, and its own failures (``failure``)."""

    start: str
    code_step: str
    code_page: Callable[[HttpRequest, CodeForm, int], HttpResponse]
    failure: Callable[[HttpRequest, errors.RecoveryError], HttpResponse]


def error_page(request: HttpRequest, error: errors.RecoveryError, journey: Journey) -> HttpResponse:
    """The one translation of flow errors into what the person sees and does next."""
    if isinstance(error, errors.FlowExpired):
        messages.info(request, _("Votre demande a expiré ou n'a pas été faite. Recommencez ici."))
        return redirect(journey.start)
    if isinstance(error, errors.ResendTooSoon):
        messages.warning(
            request,
            _("Patientez encore %(seconds)d secondes avant de demander un nouvel envoi.")
            % {"seconds": error.wait_seconds},
        )
        return redirect(journey.code_step)
    if isinstance(error, errors.CodeInvalid | errors.CodeExpired | errors.CodeUsed):
        form = CodeForm(data=request.POST)
        form.is_valid()
        form.add_error("code", _code_message(error))
        return journey.code_page(request, form, HTTPStatus.BAD_REQUEST)
    return journey.failure(request, error)


def _code_message(error: errors.RecoveryError) -> str:
    if isinstance(error, errors.CodeExpired):
        return _("Ce code a expiré (30 minutes). Demandez un nouveau code.")
    if isinstance(error, errors.CodeUsed):
        return _("Ce code a déjà servi ou un code plus récent l'a remplacé.")
    remaining = error.remaining if isinstance(error, errors.CodeInvalid) else 0
    return _("Code incorrect. Essais restants : %(remaining)d.") % {"remaining": remaining}


def too_many_attempts_message() -> str:
    return _(
        "Trop d'essais avec un code incorrect : ce code ne fonctionne plus. "
        "Demandez un nouveau code."
    )


def flow_errors(journey: Journey) -> Callable[[View], View]:
    """Turn every RecoveryError a view raises into the journey's page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except errors.RecoveryError as error:
                return error_page(request, error, journey)

        return wrapper

    return decorate


def _facts(request: HttpRequest) -> RequestFacts:
    return RequestFacts(ip_address=client_ip(request), user_agent=user_agent(request))


def _status(request: HttpRequest) -> int:
    return HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK


# --- Lost password ------------------------------------------------------------------------


@public
def forgot_password(request: HttpRequest) -> HttpResponse:
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
    return render(request, "recovery/forgot_password.html", {"form": form}, status=_status(request))


def _code_page(request: HttpRequest, form: CodeForm, status: int = HTTPStatus.OK) -> HttpResponse:
    flow = ForgotPasswordFlow(request.session)
    context = {"form": form, "resend_wait": flow.resend_wait_seconds()}
    return render(request, "recovery/code.html", context, status=status)


def _forgot_password_failure(request: HttpRequest, error: errors.RecoveryError) -> HttpResponse:
    if isinstance(error, errors.TooManyAttempts):
        message = too_many_attempts_message()
    else:
        message = _(
            "Ce lien ne fonctionne plus : il a déjà servi, un lien plus récent l'a remplacé, "
            "ou ses 30 minutes sont passées. Demandez un nouveau lien."
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
    return _code_page(request, form, status=_status(request))


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
        flow.finish(new_password=form.cleaned_data["new_password1"], facts=_facts(request))
        return redirect("recovery:forgot_password_done")
    return render(request, "recovery/new_password.html", {"form": form}, status=_status(request))


@public
@flow_errors(FORGOT_PASSWORD)
def forgot_password_done(request: HttpRequest) -> HttpResponse:
    ForgotPasswordFlow(request.session).resume(Step.DONE)
    return render(request, "recovery/done.html")


# --- Lost identifier ----------------------------------------------------------------------


@public
def forgot_identifier(request: HttpRequest) -> HttpResponse:
    channel = request.POST.get("channel", "")
    sms_form = ForgotIdentifierSmsForm(data=request.POST if channel == "sms" else None)
    email_form = ForgotIdentifierEmailForm(data=request.POST if channel == "email" else None)
    form = sms_form if channel == "sms" else email_form
    if request.method == "POST" and form.is_bound and form.is_valid():
        destination = form.cleaned_data.get("mobile") or form.cleaned_data["email"]
        if limited := consume_or_429(
            request, action=f"forgot_identifier_{channel}", key=destination
        ):
            return limited
        ForgotIdentifierFlow(request.session).initiate(
            channel=channel, destination=destination, ip_address=client_ip(request)
        )
        return redirect("recovery:forgot_identifier_sent")
    context = {"sms_form": sms_form, "email_form": email_form, "channel": channel}
    return render(request, "recovery/forgot_identifier.html", context, status=_status(request))


@public
def forgot_identifier_sent(request: HttpRequest) -> HttpResponse:
    try:
        state = ForgotIdentifierFlow(request.session).resume()
    except errors.FlowExpired:
        return redirect("recovery:forgot_identifier")
    return render(request, "recovery/identifier_sent.html", {"channel": state["channel"]})
