"""Mon compte pages. Each view parses its form, calls one service, renders or redirects."""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.aliases import AliasRefused, alias_choose, chosen_alias
from accounts.forms import throttled_message
from accounts.merge import MergeRefused
from accounts.models import AuditEvent, Guardianship, Student, User
from accounts.password_checks import password_check_failed, password_check_start
from core.converters import parse_database_id
from core.http import client_ip, request_facts
from core.ratelimits import LOCK_SECONDS, consume_or_429
from core.text import canonical_email
from myaccount import selectors, services
from myaccount.forms import (
    AliasForm,
    AttachmentReportForm,
    EmailChangeForm,
    MergeProofForm,
    PasswordChangeForm,
)
from recovery.errors import FlowExpired, LinkInvalid, RecoveryError, TooManyAttempts
from recovery.flows.email_verification import EmailVerificationFlow
from recovery.flows.merge import MergeFlow, MergeProofFailed, MergeProofThrottled
from recovery.flows.merge import Step as MergeStep
from recovery.forms.forgot import CodeForm
from recovery.views.common import Journey, flow_errors, form_status, too_many_attempts_message


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _status(request: HttpRequest) -> int:
    return HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK


@never_cache
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "myaccount/account.html", selectors.account_page(_user(request)))


@never_cache
@sensitive_post_parameters("current_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def change_password(request: HttpRequest) -> HttpResponse:
    """The current password is checked with the login's count (``accounts.password_checks``):
    wrong ones are journaled, slow down, and the lock they lead to also signs this session
    out."""
    user = _user(request)
    if request.method != "POST":
        return _change_password_page(request, PasswordChangeForm(user), HTTPStatus.OK)
    if limited := consume_or_429(request, action="change_password"):
        return limited
    facts = request_facts(request)
    attempt = password_check_start(identifier=user.identifier, facts=facts)
    form = PasswordChangeForm(user, data=request.POST, wait_seconds=attempt.wait_seconds)
    if form.is_valid():
        attempt.succeeded()
        services.password_change(
            user=user, new_password=form.cleaned_data["new_password1"], facts=facts
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Votre mot de passe a été modifié."))
        return redirect("myaccount:account")
    if not form.current_password_wrong:
        attempt.abandoned()  # no password compared (refused, or only the new one is wrong)
    elif password_check_failed(
        attempt=attempt, facts=facts, event_type=AuditEvent.Type.CURRENT_PASSWORD_FAILED,
        subject=user,
    ):  # fmt: skip
        return _signed_out_for_wrong_passwords(request)
    refused = HTTPStatus.TOO_MANY_REQUESTS if attempt.is_refused else HTTPStatus.BAD_REQUEST
    return _change_password_page(request, form, refused)


def _change_password_page(
    request: HttpRequest, form: PasswordChangeForm, status: int
) -> HttpResponse:
    user = _user(request)
    context = {
        "form": form,
        "forced": user.must_change_password,
        # Forced by a renewal campaign on a password the owner chose, not a temporary one.
        "renewal": user.renewal_campaign_id is not None and user.activated_at is not None,
    }
    return render(request, "myaccount/change_password.html", context, status=status)


def _signed_out_for_wrong_passwords(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.error(
        request,
        _(
            "Trop de mots de passe actuels incorrects : par sécurité, vous avez été "
            "déconnecté(e) et la connexion est bloquée pendant %(minutes)s minutes. Vous pouvez "
            "choisir un nouveau mot de passe avec « Mot de passe perdu »."
        )
        % {"minutes": LOCK_SECONDS // 60},
    )
    return redirect("accounts:login")


@never_cache
@require_http_methods(["GET", "POST"])
def change_email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = EmailChangeForm(user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if limited := consume_or_429(request, action="change_email", key=canonical_email(email)):
            return limited
        services.email_change_request(user=user, new_email=email, facts=request_facts(request))
        return render(request, "myaccount/email_sent.html", {"email": email})
    return render(request, "myaccount/change_email.html", {"form": form}, status=_status(request))


@login_not_required
@never_cache
def verify_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """Keep the token out of the address bar and Referer: into the session, then redirect."""
    EmailVerificationFlow(request.session).open_link(token)
    return redirect("myaccount:verify_email")


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    flow = EmailVerificationFlow(request.session)
    try:
        if request.method == "POST":
            address = flow.finish(user=user, facts=request_facts(request))
            messages.success(request, _("L'adresse %(email)s est vérifiée.") % {"email": address})
            return redirect("myaccount:account")
        link = flow.link(user)
    except LinkInvalid:
        return render(request, "myaccount/email_link_invalid.html", status=HTTPStatus.BAD_REQUEST)
    return render(request, "myaccount/verify_email.html", {"email": link.destination})


@never_cache
def journal(request: HttpRequest) -> HttpResponse:
    return render(request, "myaccount/journal.html", {"events": selectors.journal(_user(request))})


@never_cache
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        raw = request.POST.get("session", "")
        session_id = parse_database_id(raw)
        if raw and session_id is None:
            return render(request, "400.html", status=HTTPStatus.BAD_REQUEST)
        ended = services.session_end_by_owner(
            user=user, facts=request_facts(request), session_id=session_id
        )
        messages.success(request, _("Sessions fermées : %(count)d.") % {"count": ended})
        return redirect("myaccount:sessions")
    rows = selectors.open_sessions(user, current_key=request.session.session_key)
    return render(request, "myaccount/sessions.html", {"sessions": rows})


@never_cache
@require_http_methods(["GET", "POST"])
def report_attachment(request: HttpRequest, student_id: int) -> HttpResponse:
    user = _user(request)
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
                facts=request_facts(request),
            )
        except Student.DoesNotExist:
            raise Http404 from None
        messages.success(
            request,
            _("Votre signalement a été transmis au secrétariat de l'établissement (%(school)s).")
            % {"school": link.student.establishment.name},
        )
        return redirect("myaccount:account")
    context = {"form": form, "student": link.student}
    return render(request, "myaccount/report_attachment.html", context, status=_status(request))


# --- Merging another account into this one, and the chosen identifier ---------------------


def _may_merge(user: User) -> bool:
    return user.kind in (User.Kind.PARENT, User.Kind.STUDENT) and not user.is_staff


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def merge_start(request: HttpRequest) -> HttpResponse:
    """Prove the other account by its password (an unknown identifier and a wrong password get
    one message) or by a code to its school-held mobile (the same next page for every
    identifier: only the worker looks it up)."""
    user = _user(request)
    if not _may_merge(user):
        raise Http404
    form = MergeProofForm(data=request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _merge_start_page(request, form, _status(request))
    if limited := consume_or_429(request, action="merge_accounts"):
        return limited
    flow, identifier = MergeFlow(request.session), form.cleaned_data["identifier"]
    try:
        if form.by_sms:
            flow.request_code(user=user, identifier=identifier, ip_address=client_ip(request))
            return redirect("myaccount:merge_code")
        flow.prove_with_password(
            user=user,
            identifier=identifier,
            password=form.cleaned_data["password"],
            facts=request_facts(request),
        )
    except MergeProofThrottled as error:
        form.add_error(None, throttled_message(error.wait_seconds))
        return _merge_start_page(request, form, HTTPStatus.TOO_MANY_REQUESTS)
    except MergeProofFailed:
        form.add_error(None, _("Identifiant ou mot de passe incorrect pour l'autre compte."))
        return _merge_start_page(request, form, HTTPStatus.BAD_REQUEST)
    except MergeRefused as error:
        form.add_error(None, error.message)
        return _merge_start_page(request, form, HTTPStatus.BAD_REQUEST)
    return redirect("myaccount:merge_confirm")


def _merge_start_page(
    request: HttpRequest, form: MergeProofForm, status: int, refusal: str = ""
) -> HttpResponse:
    context = {"form": form, "refusal": refusal}
    return render(request, "myaccount/merge_start.html", context, status=status)


def _merge_refused_page(request: HttpRequest, error: MergeRefused) -> HttpResponse:
    """The other account was proved, but the two may not (or no longer) be merged."""
    status = HTTPStatus.CONFLICT if error.code == "changed" else HTTPStatus.BAD_REQUEST
    return _merge_start_page(request, MergeProofForm(), status, refusal=error.message)


def _merge_code_page(
    request: HttpRequest, form: CodeForm, status: int = HTTPStatus.OK
) -> HttpResponse:
    flow = MergeFlow(request.session)
    context = {
        "form": form,
        "identifier": flow.code_identifier(user=_user(request)),
        "resend_wait": flow.resend_wait_seconds(),
    }
    return render(request, "myaccount/merge_code.html", context, status=status)


def _merge_code_failure(request: HttpRequest, error: RecoveryError) -> HttpResponse:
    if isinstance(error, TooManyAttempts):
        refusal = too_many_attempts_message()
    else:
        refusal = _("Votre demande a expiré ou n'a pas été faite. Recommencez ici.")
    return _merge_start_page(request, MergeProofForm(), HTTPStatus.BAD_REQUEST, refusal=refusal)


MERGE_BY_CODE = Journey(
    start="myaccount:merge_start",
    code_step="myaccount:merge_code",
    code_page=_merge_code_page,
    failure=_merge_code_failure,
)


@never_cache
@require_http_methods(["GET", "POST"])
@flow_errors(MERGE_BY_CODE)
def merge_code(request: HttpRequest) -> HttpResponse:
    """The code sent to the other account's school-held mobile, if it has one: the same page
    for every identifier. A right code proves the other account, as its password would."""
    user = _user(request)
    flow = MergeFlow(request.session)
    if flow.step() == MergeStep.PREVIEW:
        return redirect("myaccount:merge_confirm")  # the same code submitted twice
    identifier = flow.code_identifier(user=user)
    form = CodeForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limited := consume_or_429(request, action="merge_code", key=identifier):
            return limited
        try:
            flow.confirm_code(user=user, candidate=form.cleaned_data["code"])
        except MergeRefused as error:
            return _merge_refused_page(request, error)
        return redirect("myaccount:merge_confirm")
    return _merge_code_page(request, form, form_status(request))


@require_POST
@flow_errors(MERGE_BY_CODE)
def merge_code_resend(request: HttpRequest) -> HttpResponse:
    if limited := consume_or_429(request, action="merge_accounts"):
        return limited
    MergeFlow(request.session).resend_code(user=_user(request), ip_address=client_ip(request))
    messages.success(request, _("Un nouvel envoi a été demandé. Seul le dernier reçu fonctionne."))
    return redirect("myaccount:merge_code")


@never_cache
@require_http_methods(["GET", "POST"])
def merge_confirm(request: HttpRequest) -> HttpResponse:
    """What will move, then "Regrouper" (POST). A second submission merges nothing more."""
    user = _user(request)
    flow = MergeFlow(request.session)
    try:
        if request.method == "POST":
            flow.finish(user=user, facts=request_facts(request))
            messages.success(
                request,
                _("Le compte %(identifier)s est regroupé avec celui-ci.")
                % {"identifier": flow.done_identifier(user=user)},
            )
            return redirect("myaccount:account")
        preview = flow.preview(user=user)
    except FlowExpired:
        messages.info(request, _("Votre demande a expiré ou n'a pas été faite. Recommencez ici."))
        return redirect("myaccount:merge_start")
    except MergeRefused as error:
        return _merge_refused_page(request, error)
    return render(request, "myaccount/merge_confirm.html", {"preview": preview})


@never_cache
@require_http_methods(["GET", "POST"])
def choose_identifier(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not _may_merge(user):
        raise Http404
    form = AliasForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        if limited := consume_or_429(request, action="choose_identifier"):
            return limited
        try:
            alias = alias_choose(
                user=user, identifier=form.cleaned_data["identifier"], facts=request_facts(request)
            )
        except AliasRefused as error:
            form.add_error("identifier", error.message)
        else:
            messages.success(
                request,
                _("Vous pouvez désormais vous connecter avec l'identifiant %(identifier)s.")
                % {"identifier": alias.identifier},
            )
            return redirect("myaccount:account")
    context = {"form": form, "current": chosen_alias(user)}
    return render(request, "myaccount/choose_identifier.html", context, status=_status(request))
