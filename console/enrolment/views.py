"""The invitation pages: each view parses its form, calls one step of the journey, renders or
redirects; ``enrolment_errors`` turns every journey error into its page, in one place."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.models import User
from accounts.signin import Method, sign_in
from accounts.twofactor.invitations import lifetime_hours
from console.enrolment.flow import (
    ATTEMPT_LIFETIME,
    CodeIncorrect,
    Enrolled,
    EnrolmentError,
    InvitationInvalid,
    PasswordIncorrect,
    PasswordThrottled,
    StaffEnrolmentFlow,
    Step,
)
from console.enrolment.forms import CurrentPasswordForm, EnrolmentCodeForm, FirstPasswordForm
from core.http import request_facts

View = Callable[..., HttpResponse]
PASSWORD_FIELDS = ("password", "new_password1", "new_password2")


def _failure(request: HttpRequest, error: EnrolmentError) -> HttpResponse:
    """The one page of a journey that cannot go on, saying what to do next."""
    if isinstance(error, InvitationInvalid):
        message = ngettext(
            "Ce lien d'invitation ne fonctionne plus : il a déjà servi, une invitation plus "
            "récente l'a remplacé, ou son heure de validité est passée.",
            "Ce lien d'invitation ne fonctionne plus : il a déjà servi, une invitation plus "
            "récente l'a remplacé, ou ses %(hours)d heures de validité sont passées.",
            lifetime_hours(),
        ) % {"hours": lifetime_hours()}
    else:
        message = _(
            "Aucune invitation n'est ouverte dans ce navigateur, ou vous avez mis plus de "
            "%(minutes)d minutes : ouvrez de nouveau le lien de votre invitation."
        ) % {"minutes": int(ATTEMPT_LIFETIME.total_seconds() // 60)}
    return render(
        request,
        "console/invitation_failed.html",
        {"message": message},
        status=HTTPStatus.BAD_REQUEST,
    )


def enrolment_page(view: View) -> View:
    """Every invitation page: open without signing in, never cached, GET and POST only, and
    each journey error turned into its page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except EnrolmentError as error:
            return _failure(request, error)

    return login_not_required(never_cache(require_http_methods(["GET", "POST"])(wrapper)))


def _status(request: HttpRequest) -> int:
    return HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK


def _signed_in_as_someone_else(request: HttpRequest, member: User) -> HttpResponse | None:
    """An invitation opened in a browser signed in with another account: say so, change
    nothing (the person signs out and opens the link again)."""
    if not request.user.is_authenticated or request.user.pk == member.pk:
        return None
    context = {"signed_in_as": request.user}
    return render(request, "console/invitation_failed.html", context, status=HTTPStatus.FORBIDDEN)


@login_not_required
@never_cache
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    """Keep the token out of the address bar and Referer: into the session, then redirect."""
    StaffEnrolmentFlow(request.session).open_link(token)
    return redirect("console:invitation")


@enrolment_page
@sensitive_post_parameters(*PASSWORD_FIELDS)
def invitation(request: HttpRequest) -> HttpResponse:
    """Step 1: a new staff member chooses a password; anyone else proves theirs."""
    flow = StaffEnrolmentFlow(request.session)
    if flow.step() == Step.APP:
        return redirect("console:invitation_enrol")
    member = flow.invited_user()
    if refused := _signed_in_as_someone_else(request, member):
        return refused
    choose = flow.needs_new_password(member)
    form_class = FirstPasswordForm if choose else CurrentPasswordForm
    form = form_class(member, data=request.POST or None)
    if request.method == "POST" and form.is_valid() and _password_step(request, flow, form):
        return redirect("console:invitation_enrol")
    context = {"form": form, "member": member, "choose": choose}
    return render(request, "console/invitation_password.html", context, status=_status(request))


def _password_step(
    request: HttpRequest, flow: StaffEnrolmentFlow, form: FirstPasswordForm | CurrentPasswordForm
) -> bool:
    facts = request_facts(request)
    if isinstance(form, FirstPasswordForm):
        flow.password_choose(new_password=form.cleaned_data["new_password1"], facts=facts)
        return True
    try:
        flow.password_confirm(password=form.cleaned_data["password"], facts=facts)
    except PasswordIncorrect:
        form.add_error("password", _("Mot de passe incorrect. Saisissez celui de ce compte."))
        return False
    except PasswordThrottled as error:
        form.add_error(
            None,
            ngettext(
                "Trop d'essais incorrects. Patientez %(seconds)d seconde avant de réessayer.",
                "Trop d'essais incorrects. Patientez %(seconds)d secondes avant de réessayer.",
                error.wait_seconds,
            )
            % {"seconds": error.wait_seconds},
        )
        return False
    return True


@enrolment_page
@sensitive_post_parameters("token")
def invitation_enrol(request: HttpRequest) -> HttpResponse:
    """Step 2: scan this attempt's secret and type one code; the console then opens."""
    flow = StaffEnrolmentFlow(request.session)
    if flow.step() == Step.PASSWORD:
        return redirect("console:invitation")
    member, shown = flow.pending()
    if refused := _signed_in_as_someone_else(request, member):
        return refused
    form = EnrolmentCodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = flow.finish(token=form.cleaned_data["token"], facts=request_facts(request))
        except CodeIncorrect:
            form.add_error(
                "token", _("Code incorrect. Vérifiez l'heure de votre téléphone et réessayez.")
            )
        else:
            return _signed_in(request, enrolled)
    context = {"form": form, "member": member, **shown}
    return render(request, "accounts/two_factor_enrol.html", context, status=_status(request))


def _signed_in(request: HttpRequest, enrolled: Enrolled) -> HttpResponse:
    """Sign in with the password and the code just proved, and show the recovery codes once.

    Through ``sign_in``, like every login: journaled, and this browser becomes a known device
    (without an alert: the owner is e-mailed about the enrolment itself)."""
    sign_in(request, enrolled.user, method=Method.STAFF_ENROLMENT, facts=request_facts(request))
    otp_login(request, enrolled.device)
    context = {"codes": enrolled.recovery_codes, "next": reverse("admin:index")}
    return render(request, "accounts/two_factor_codes.html", context)
