"""Self-registration pages. Each view parses its form, calls one journey step, renders or
redirects; journey errors become pages through ``recovery.views.common.error_page`` with the
``SIGNUP`` journey."""

from __future__ import annotations

from http import HTTPStatus

import phonenumbers
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.forms import throttled_message
from accounts.signin import Method, sign_in
from core.http import client_ip, request_facts
from core.links import KEPT_NEXT, keep_next, kept_next
from core.phones import mask_phone
from core.ratelimits import consume_or_429
from recovery import errors
from recovery.flows.merge import MergeProofFailed, MergeProofThrottled
from recovery.flows.signup import NotThisPersonsAccount, SignupFlow, Step
from recovery.forms.forgot import CodeForm
from recovery.forms.signup import (
    ChildrenForm,
    ExistingAccountForm,
    SignupForm,
    SignupPasswordForm,
)
from recovery.views.common import (
    Journey,
    flow_errors,
    form_status,
    public,
    too_many_attempts_message,
)


def _failure(request: HttpRequest, error: errors.RecoveryError) -> HttpResponse:
    """Signup's own failures: a birth-date answer to correct, or the end of the flow."""
    if isinstance(error, errors.BirthDateMismatch | errors.NoChildConfirmed):
        return _children_with_error(request, error)
    return render(
        request,
        "recovery/signup_failed.html",
        {"message": _failure_message(error)},
        status=HTTPStatus.BAD_REQUEST,
    )


def _failure_message(error: errors.RecoveryError) -> str:
    if isinstance(error, errors.TooManyAttempts):
        return too_many_attempts_message()
    if isinstance(error, errors.NoLegalChild):
        return _(
            "Aucun élève ne vous désigne comme représentant légal dans les fiches de "
            "l'établissement : seuls les représentants légaux peuvent créer un compte ici. "
            "Contactez le secrétariat de l'établissement."
        )
    if isinstance(error, errors.TooManyWrongBirthDates):
        return _(
            "Trois dates de naissance ne correspondent pas à celles connues de l'établissement : "
            "l'inscription est interrompue. Contactez le secrétariat ou la vie scolaire de "
            "l'établissement pour vérifier vos informations ; il pourra aussi créer votre compte."
        )
    return _(
        "Un compte existe déjà pour ces informations. Votre identifiant vous a été envoyé par "
        "SMS ; vous pouvez aussi le retrouver avec « Identifiant perdu »."
    )


def _children_with_error(request: HttpRequest, error: errors.RecoveryError) -> HttpResponse:
    flow = SignupFlow(request.session)
    form = ChildrenForm(flow.children(), data=request.POST)
    form.is_valid()
    if isinstance(error, errors.BirthDateMismatch):
        message = _(
            "Cette date de naissance ne correspond pas à celle connue de l'établissement. "
            "Essais restants : %(remaining)d."
        ) % {"remaining": error.remaining}
        for child in form.children:
            if child.student_id in error.student_ids:
                form.add_error(form.birth_date_name(child), message)
    else:
        form.add_error(None, _("Confirmez au moins un élève pour continuer."))
    return render(
        request, "recovery/signup_children.html", {"form": form}, status=HTTPStatus.BAD_REQUEST
    )


def _readable(mobile: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(mobile), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


# --- Steps --------------------------------------------------------------------------------


@public
def signup_start(request: HttpRequest) -> HttpResponse:
    keep_next(request)  # the way back to the service the login page was opened for
    form = SignupForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        if limited := consume_or_429(request, action="signup", key=mobile):
            return limited
        SignupFlow(request.session).initiate(
            last_name=form.cleaned_data["last_name"],
            first_name=form.cleaned_data["first_name"],
            mobile=mobile,
            ip_address=client_ip(request),
        )
        return redirect("recovery:signup_code")
    return render(
        request, "recovery/signup_start.html", {"form": form}, status=form_status(request)
    )


def _code_page(request: HttpRequest, form: CodeForm, status: int = HTTPStatus.OK) -> HttpResponse:
    flow = SignupFlow(request.session)
    state = flow.resume(Step.CODE)
    # A number the person typed is shown in full; one the school holds (a journey an identity
    # provider started) is masked.
    mobile = mask_phone(state["mobile"]) if flow.proven_by() else _readable(state["mobile"])
    context = {
        "form": form,
        "resend_wait": flow.resend_wait_seconds(),
        "mobile": mobile,
        "school_held": bool(flow.proven_by()),
    }
    return render(request, "recovery/signup_code.html", context, status=status)


SIGNUP = Journey(
    start="recovery:signup",
    code_step="recovery:signup_code",
    code_page=_code_page,
    failure=_failure,
)


@public
@flow_errors(SIGNUP)
def signup_code(request: HttpRequest) -> HttpResponse:
    """The code-entry page, for everyone who asked, matched or not."""
    flow = SignupFlow(request.session)
    state = flow.resume(Step.CODE, Step.CHILDREN)
    if state["step"] == Step.CHILDREN:
        return redirect("recovery:signup_children")  # the same code submitted twice
    form = CodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limited := consume_or_429(request, action="signup_code", key=state["mobile"]):
            return limited
        flow.confirm(form.cleaned_data["code"])
        return redirect("recovery:signup_children")
    return _code_page(request, form, status=form_status(request))


@login_not_required
@require_POST
@flow_errors(SIGNUP)
def signup_resend(request: HttpRequest) -> HttpResponse:
    flow = SignupFlow(request.session)
    state = flow.resume(Step.CODE)
    if limited := consume_or_429(request, action="signup", key=state["mobile"]):
        return limited
    flow.resend(ip_address=client_ip(request))
    messages.success(request, _("Un nouvel envoi a été demandé. Seul le dernier reçu fonctionne."))
    return redirect("recovery:signup_code")


@public
@flow_errors(SIGNUP)
def signup_children(request: HttpRequest) -> HttpResponse:
    flow = SignupFlow(request.session)
    if flow.step() == Step.PASSWORD:
        return redirect(_after_children(flow))  # the same answers submitted twice
    form = ChildrenForm(flow.children(), data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        flow.confirm_children(form.decisions(), ip_address=client_ip(request))
        return redirect(_after_children(flow))
    context = {"form": form}
    return render(request, "recovery/signup_children.html", context, status=form_status(request))


def _after_children(flow: SignupFlow) -> str:
    """The password step, or the page of the identity provider that proved the person."""
    proven = flow.proven_by()
    return str(proven["finish"]) if proven and proven.get("finish") else "recovery:signup_password"


@public
@sensitive_post_parameters("new_password1", "new_password2")
@flow_errors(SIGNUP)
def signup_password(request: HttpRequest) -> HttpResponse:
    flow = SignupFlow(request.session)
    if flow.is_done():
        return redirect("myaccount:account")  # "Terminer" clicked twice
    if flow.proven_by():
        return redirect(_after_children(flow))
    future = flow.future_account()
    form = SignupPasswordForm(future, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        facts = request_facts(request)
        user = flow.finish(password=form.cleaned_data["new_password1"], facts=facts)
        sign_in(request, user, method=Method.SIGNUP, facts=facts)
        messages.success(
            request,
            _("Votre compte est créé. Votre identifiant est %(identifier)s.")
            % {"identifier": user.identifier},
        )
        back = kept_next(request)  # registering from a service's login page: back to it
        request.session.pop(KEPT_NEXT, None)
        return redirect(back or "myaccount:account")
    context = {"form": form, "identifier": future.identifier, "existing": ExistingAccountForm()}
    return render(request, "recovery/signup_password.html", context, status=form_status(request))


@public
@sensitive_post_parameters("existing-password")
@flow_errors(SIGNUP)
def signup_existing(request: HttpRequest) -> HttpResponse:
    """« J'ai déjà un compte »: the children join it instead of a second account."""
    flow = SignupFlow(request.session)
    if flow.is_done():
        return redirect("myaccount:account")
    future = flow.future_account()
    existing = ExistingAccountForm(data=request.POST if request.method == "POST" else None)
    status = HTTPStatus.BAD_REQUEST
    if request.method == "POST" and existing.is_valid():
        facts = request_facts(request)
        try:
            user = flow.finish_into_existing(
                identifier=existing.cleaned_data["identifier"],
                password=existing.cleaned_data["password"],
                facts=facts,
            )
        except MergeProofThrottled as error:
            existing.add_error(None, throttled_message(error.wait_seconds))
            status = HTTPStatus.TOO_MANY_REQUESTS
        except MergeProofFailed:
            existing.add_error(None, _("Identifiant ou mot de passe incorrect."))
        except NotThisPersonsAccount:
            existing.add_error(
                None,
                _(
                    "Ce compte n'est pas au nom que l'établissement a enregistré pour vous : "
                    "les enfants ne peuvent pas y être ajoutés. Créez votre compte ci-dessus, "
                    "ou demandez au secrétariat de corriger votre nom."
                ),
            )
        else:
            sign_in(request, user, method=Method.PASSWORD, facts=facts)
            messages.success(request, _("Les enfants ont été ajoutés à votre compte."))
            back = kept_next(request)
            request.session.pop(KEPT_NEXT, None)
            return redirect(back or "myaccount:account")
    elif request.method != "POST":
        return redirect("recovery:signup_password")
    context = {
        "form": SignupPasswordForm(future),
        "identifier": future.identifier,
        "existing": existing,
    }
    return render(request, "recovery/signup_password.html", context, status=status)
