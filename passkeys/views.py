"""Passkey pages and the JSON endpoints ``static/js/passkeys.js`` calls.

Every endpoint is a POST under CSRF (the script sends the page's token in ``X-CSRFToken``),
answers JSON, and turns every ceremony error into a French message with a 4xx status in one
function (``_error``), never a 500.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.devices import describe_user_agent
from accounts.forms import throttled_message
from accounts.models import AuditEvent, User
from accounts.password_checks import password_check_failed, password_check_start
from accounts.signin import Method, after_sign_in_url, sign_in
from core.http import request_facts, user_agent
from core.links import safe_next
from core.ratelimits import LOCK_SECONDS, consume
from passkeys import ceremonies, flows, services
from passkeys.ceremonies import (
    ChallengeMissing,
    CredentialRefused,
    PasskeyError,
    Purpose,
    ResponseMalformed,
)
from passkeys.forms import PasskeyNameForm, ReauthenticateForm
from passkeys.models import PasskeyCredential
from passkeys.reauth import is_recently_authenticated, reauthenticated

JSON = "application/json"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _message(text: str, status: int) -> JsonResponse:
    return JsonResponse({"error": text}, status=status)


def _error(error: PasskeyError) -> JsonResponse:
    """The one place a ceremony error becomes an answer."""
    if isinstance(error, flows.LoginThrottled):
        return _message(throttled_message(error.wait_seconds), HTTPStatus.TOO_MANY_REQUESTS)
    if isinstance(error, ChallengeMissing):
        text = _(
            "La demande a expiré ou a déjà servi (elle vaut %(minutes)s minutes). Réessayez : "
            "votre navigateur vous demandera de nouveau votre clé d'accès."
        ) % {"minutes": int(ceremonies.CHALLENGE_LIFETIME.total_seconds() // 60)}
    elif isinstance(error, ResponseMalformed):
        text = _("La réponse de votre navigateur est illisible. Réessayez.")
    elif isinstance(error, CredentialRefused):
        text = _(
            "Cette clé d'accès n'est pas reconnue. Connectez-vous avec votre identifiant et "
            "votre mot de passe ; vous pourrez ajouter une nouvelle clé d'accès dans Mon compte."
        )
    else:
        text = _("La clé d'accès n'a pas pu être utilisée. Réessayez.")
    return _message(text, HTTPStatus.BAD_REQUEST)


def _too_many() -> JsonResponse:
    return _message(
        _("Trop de demandes. Patientez quelques minutes avant de réessayer."),
        HTTPStatus.TOO_MANY_REQUESTS,
    )


def _payload(request: HttpRequest) -> Any:
    return ceremonies.parse_json(request.body)


def _options(json_text: str) -> HttpResponse:
    return HttpResponse(json_text, content_type=JSON)


def _body_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > ceremonies.RESPONSE_MAX_BYTES


def passkey_endpoint(view: Any) -> Any:
    """POST only, CSRF, never cached, the body bounded before it is read, every error of a
    ceremony answered in French."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _body_too_large(request):
            return _error(ResponseMalformed())
        try:
            response: HttpResponse = view(request, *args, **kwargs)
        except PasskeyError as error:
            return _error(error)
        return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return require_POST(csrf_protect(never_cache(wrapper)))


# --- Login ----------------------------------------------------------------------------------


@login_not_required
@passkey_endpoint
def login_options(request: HttpRequest) -> HttpResponse:
    if consume(request, action="passkey_options"):
        return _too_many()
    return _options(ceremonies.authentication_options(request.session, Purpose.LOGIN))


@login_not_required
@passkey_endpoint
def login_verify(request: HttpRequest) -> HttpResponse:
    """A passkey login: ``sign_in`` with the passkey method, then the way back (to a service a
    journey started from, ``?next=``, or Mon compte). A staff member's second-factor passkey
    also proves the console's second factor (it is possession plus user verification)."""
    facts = request_facts(request)
    payload = _payload(request)
    credential = flows.passkey_login(session=request.session, payload=payload, facts=facts)
    user: User = credential.user
    sign_in(request, user, method=Method.PASSKEY, facts=facts)
    reauthenticated(request.session)
    if user.is_staff and credential.is_second_factor:
        otp_login(request, credential)
    return JsonResponse({"redirect": after_sign_in_url(request)})


# --- Staff second factor ------------------------------------------------------------------


def _staff(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_staff:
        raise PermissionDenied
    return user


@passkey_endpoint
def second_factor_options(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    if consume(request, action="passkey_options"):
        return _too_many()
    credentials = flows.second_factor_passkeys(user)
    if not credentials:
        raise CredentialRefused(user)
    return _options(
        ceremonies.authentication_options(request.session, Purpose.SECOND_FACTOR, credentials)
    )


@passkey_endpoint
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    credential = flows.passkey_second_factor(
        session=request.session, user=user, payload=_payload(request), facts=request_facts(request)
    )
    otp_login(request, credential)
    return JsonResponse({"redirect": safe_next(request, "admin:index")})


# --- Mon compte: the list, adding, removing -------------------------------------------------


def _list_page(
    request: HttpRequest,
    *,
    reauth_form: ReauthenticateForm | None = None,
    status: int = HTTPStatus.OK,
) -> HttpResponse:
    user = _user(request)
    fresh = is_recently_authenticated(user=user, session=request.session)
    context = {
        "passkeys": PasskeyCredential.objects.filter(user=user),
        "fresh": fresh,
        "name_form": PasskeyNameForm(initial={"name": describe_user_agent(user_agent(request))}),
        "reauth_form": reauth_form or ReauthenticateForm(),
        "second_factor": _adds_second_factor(request),
        "staff_unverified": user.is_staff and not _adds_second_factor(request),
    }
    return render(request, "passkeys/list.html", context, status=status)


def _adds_second_factor(request: HttpRequest) -> bool:
    """A staff member already verified with their existing factor in this session: the
    passkey they add now may be their second factor (never on first use)."""
    user = _user(request)
    return bool(user.is_staff and user.is_verified())  # type: ignore[attr-defined]


@never_cache
@require_http_methods(["GET"])
def passkey_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@never_cache
@sensitive_post_parameters("password")
@require_POST
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """The password typed again, counted with the login's throttle as Mon compte's password
    change counts it; the lock it leads to signs this session out."""
    user = _user(request)
    facts = request_facts(request)
    attempt = password_check_start(identifier=user.identifier, facts=facts)
    form = ReauthenticateForm(data=request.POST)
    if not form.is_valid() or attempt.is_refused:
        attempt.abandoned()
        if attempt.is_refused:
            form.add_error(None, throttled_message(attempt.wait_seconds))
        status = HTTPStatus.TOO_MANY_REQUESTS if attempt.is_refused else HTTPStatus.BAD_REQUEST
        return _list_page(request, reauth_form=form, status=status)
    if user.check_password(form.cleaned_data["password"]):
        attempt.succeeded()
        reauthenticated(request.session)
        return redirect("passkeys:list")
    if password_check_failed(
        attempt=attempt, facts=facts, event_type=AuditEvent.Type.CURRENT_PASSWORD_FAILED,
        subject=user,
    ):  # fmt: skip
        logout(request)
        messages.error(request, throttled_message(LOCK_SECONDS + 1))  # the lock's words
        return redirect("accounts:login")
    form.add_error("password", _("Mot de passe incorrect."))
    return _list_page(request, reauth_form=form, status=HTTPStatus.BAD_REQUEST)


def _require_fresh(request: HttpRequest) -> JsonResponse | None:
    if is_recently_authenticated(user=_user(request), session=request.session):
        return None
    return _message(
        _(
            "Par sécurité, saisissez de nouveau votre mot de passe avant d'ajouter une clé "
            "d'accès : rechargez la page."
        ),
        HTTPStatus.FORBIDDEN,
    )


@passkey_endpoint
def register_options(request: HttpRequest) -> HttpResponse:
    if refused := _require_fresh(request):
        return refused
    if consume(request, action="passkey_register"):
        return _too_many()
    return _options(ceremonies.registration_options(request.session, _user(request)))


@passkey_endpoint
def register_verify(request: HttpRequest) -> HttpResponse:
    """The new passkey, checked against this session's challenge, then stored and told."""
    if refused := _require_fresh(request):
        return refused
    payload = _payload(request)
    if not isinstance(payload, dict):
        raise ResponseMalformed
    form = PasskeyNameForm(data={"name": str(payload.get("name") or "").replace("\x00", "")})
    if not form.is_valid():
        return _message(
            _("Le nom de l'appareil doit faire au plus 64 caractères."), HTTPStatus.BAD_REQUEST
        )
    user = _user(request)
    new = ceremonies.registration_verify(request.session, user, payload.get("credential"))
    name = form.cleaned_data["name"] or describe_user_agent(user_agent(request))
    services.credential_add(
        user=user,
        new=new,
        name=name,
        is_second_factor=_adds_second_factor(request),
        facts=request_facts(request),
    )
    messages.success(request, _("Votre clé d'accès « %(name)s » est ajoutée.") % {"name": name})
    return JsonResponse({"redirect": reverse("passkeys:list")})


@never_cache
@require_http_methods(["GET", "POST"])
def passkey_remove(request: HttpRequest, credential_id: int) -> HttpResponse:
    user = _user(request)
    credential = get_object_or_404(PasskeyCredential, user=user, pk=credential_id)
    if request.method == "POST":
        services.credential_remove(
            user=user, credential_id=credential.pk, facts=request_facts(request)
        )
        messages.success(
            request, _("La clé d'accès « %(name)s » est supprimée.") % {"name": credential.name}
        )
        return redirect("passkeys:list")
    return render(request, "passkeys/remove.html", {"passkey": credential})
