"""FranceConnect's pages. Each view reads the request, calls one journey step
(``franceconnect.flows``), renders or redirects; every failure becomes a page in
``error_page``. With FranceConnect not configured, every page answers 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import may_sign_in
from accounts.forms import LoginForm, throttled_message
from accounts.models import AuditEvent, User
from accounts.password_checks import password_check_failed, password_check_start
from accounts.signin import Method, after_sign_in_url, sign_in
from core.http import client_ip, request_facts
from core.links import absolute_url, keep_next
from core.ratelimits import IDENTIFIER_POLICY, consume_or_429, login_is_locked
from core.text import canonical_identifier
from franceconnect import client
from franceconnect.flows import FranceConnectFlow, NotTheirs, PendingExpired
from franceconnect.forms import MobileChoiceForm
from franceconnect.logout import SESSION_ID_TOKEN, is_our_logout_state
from franceconnect.matching import Match
from franceconnect.services import AlreadyLinked, LastWayIn, link_delete
from recovery.flows.signup import SignupFlow
from recovery.views.common import flow_errors, form_status
from recovery.views.signup import SIGNUP

View = Callable[..., HttpResponse]


def configured(view: View) -> View:
    """Off (404) unless FranceConnect is configured; never cached; failures become pages."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not client.is_configured():
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except (client.FranceConnectError, PendingExpired, NotTheirs, AlreadyLinked) as error:
            return error_page(request, error)

    return never_cache(wrapper)


def public(view: View) -> View:
    return login_not_required(configured(view))


def error_page(request: HttpRequest, error: Exception) -> HttpResponse:
    """The one translation of FranceConnect failures into what the person reads."""
    status: int = HTTPStatus.BAD_REQUEST
    if isinstance(error, client.ProviderUnavailable):
        status = HTTPStatus.SERVICE_UNAVAILABLE
        message = _(
            "FranceConnect ne répond pas pour le moment. Réessayez dans quelques minutes, ou "
            "connectez-vous avec votre identifiant et votre mot de passe."
        )
    elif isinstance(error, client.AccessDenied):
        message = _(
            "Vous avez annulé la connexion avec FranceConnect. Vous pouvez recommencer, ou "
            "vous connecter avec votre identifiant et votre mot de passe."
        )
    elif isinstance(error, client.AuthenticationFailed) and error.reason == "state":
        message = _(
            "Cette connexion avec FranceConnect a expiré ou n'a pas été demandée depuis ce "
            "navigateur. Recommencez depuis la page de connexion."
        )
    elif isinstance(error, client.AuthenticationFailed):
        message = _(
            "La réponse de FranceConnect n'a pas pu être vérifiée : par sécurité, la connexion "
            "est refusée. Recommencez depuis la page de connexion."
        )
    elif isinstance(error, NotTheirs):
        message = _(
            "Ce compte n'est pas au nom que FranceConnect nous a transmis : il ne peut pas être "
            "lié. Si c'est bien le vôtre, contactez le secrétariat de l'établissement."
        )
    elif isinstance(error, AlreadyLinked):
        message = _(
            "Cette identité FranceConnect est déjà liée à un compte. Connectez-vous avec "
            "FranceConnect depuis la page de connexion."
        )
    else:
        message = _(
            "Votre connexion avec FranceConnect a expiré. Recommencez depuis la page de connexion."
        )
    return render(request, "franceconnect/error.html", {"message": message}, status=status)


def _signed_in(request: HttpRequest, user: User, id_token: str) -> HttpResponse:
    """The account FranceConnect opens: refused as the login refuses it (deactivated, not
    activated, or locked after wrong passwords), else signed in with the way back kept."""
    if not may_sign_in(user):
        message = _(
            "La connexion à ce compte n'est pas possible. Contactez le secrétariat de "
            "l'établissement de votre enfant."
        )
        return render(
            request, "franceconnect/error.html", {"message": message}, status=HTTPStatus.FORBIDDEN
        )
    if login_is_locked(identifier=user.identifier):
        message = throttled_message(IDENTIFIER_POLICY.max_delay + 1)
        return render(
            request,
            "franceconnect/error.html",
            {"message": message},
            status=HTTPStatus.TOO_MANY_REQUESTS,
        )
    sign_in(request, user, method=Method.FRANCECONNECT, facts=request_facts(request))
    request.session[SESSION_ID_TOKEN] = id_token
    return redirect(after_sign_in_url(request))


def _next_step(request: HttpRequest, match: Match) -> HttpResponse:
    """After FranceConnect, with no account linked: prove an account, register, or no match."""
    if match.accounts:
        return redirect("franceconnect:existing_account")
    return _registration(request, match)


def _registration(request: HttpRequest, match: Match) -> HttpResponse:
    if not match.can_register:
        return redirect("franceconnect:no_match")
    mobiles = match.mobiles()
    if len(mobiles) > 1:
        return redirect("franceconnect:choose_mobile")
    return _send_code(request, mobiles[0])


def _send_code(request: HttpRequest, mobile: str) -> HttpResponse:
    if limited := consume_or_429(request, action="signup", key=mobile):
        return limited
    FranceConnectFlow(request.session).signup_start(mobile=mobile, ip_address=client_ip(request))
    return redirect("recovery:signup_code")


# --- Pages ----------------------------------------------------------------------------------


@public
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The button: a fresh state and nonce, then FranceConnect."""
    keep_next(request)  # the way back to the service the login page was opened for
    url = FranceConnectFlow(request.session).start(absolute_url("franceconnect:callback"))
    return redirect(url)


@public
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    if limited := consume_or_429(request, action="franceconnect"):
        return limited
    outcome = FranceConnectFlow(request.session).come_back(
        redirect_uri=absolute_url("franceconnect:callback"), query=request.GET.dict()
    )
    if outcome.user is not None:
        return _signed_in(request, outcome.user, outcome.id_token)
    assert outcome.match is not None  # noqa: S101 - come_back gives one or the other
    return _next_step(request, outcome.match)


@public
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def existing_account(request: HttpRequest) -> HttpResponse:
    """An account exists for these names: its password proves it is theirs, then it is linked.
    "Je n'ai pas de compte" goes on to registration when records without an account match."""
    flow = FranceConnectFlow(request.session)
    identity, match = flow.identity(), flow.match()
    if request.method == "POST" and request.POST.get("action") == "no_account":
        return _registration(request, match)
    context = {"identity": identity, "can_register": match.can_register}
    if request.method != "POST":
        context["form"] = LoginForm(request)
        return render(request, "franceconnect/existing_account.html", context)
    typed = canonical_identifier(request.POST.get("identifier") or "")
    if limited := consume_or_429(request, action="franceconnect_proof", key=typed):
        return limited
    facts = request_facts(request)
    attempt = password_check_start(identifier=typed, facts=facts)
    form = LoginForm(request, data=request.POST, wait_seconds=attempt.wait_seconds)
    context["form"] = form
    if form.is_valid() and form.user is not None:
        attempt.succeeded()
        id_token = flow.link_proven_account(form.user, facts=facts)
        messages.success(request, _("FranceConnect est maintenant lié à votre compte."))
        return _signed_in(request, form.user, id_token)
    status = HTTPStatus.TOO_MANY_REQUESTS if attempt.is_refused else HTTPStatus.BAD_REQUEST
    if not attempt.is_refused:
        password_check_failed(attempt=attempt, facts=facts, event_type=AuditEvent.Type.LOGIN_FAILED)
    return render(request, "franceconnect/existing_account.html", context, status=status)


@public
@require_http_methods(["GET", "POST"])
def choose_mobile(request: HttpRequest) -> HttpResponse:
    flow = FranceConnectFlow(request.session)
    match = flow.match()
    if not match.can_register:
        return redirect("franceconnect:no_match")
    form = MobileChoiceForm(match.mobiles(), data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _send_code(request, form.chosen_mobile())
    context = {"form": form, "identity": flow.identity()}
    return render(request, "franceconnect/choose_mobile.html", context, status=form_status(request))


@public
@require_GET
def no_match(request: HttpRequest) -> HttpResponse:
    """Self-registration's answer for no match, and what to ask the school."""
    identity = FranceConnectFlow(request.session).identity()
    return render(request, "franceconnect/no_match.html", {"identity": identity})


@public
@require_http_methods(["GET", "POST"])
@flow_errors(SIGNUP)
def signup_finish(request: HttpRequest) -> HttpResponse:
    """Self-registration's last step for a person FranceConnect proved: no password to choose;
    the account is created and linked, and the person signed in."""
    signup = SignupFlow(request.session)
    if signup.is_done():
        return redirect("myaccount:account")  # clicked twice
    future = signup.future_account()
    if request.method != "POST":
        return render(
            request, "franceconnect/signup_finish.html", {"identifier": future.identifier}
        )
    user, id_token = FranceConnectFlow(request.session).signup_finish(facts=request_facts(request))
    messages.success(
        request,
        _("Votre compte est créé. Votre identifiant est %(identifier)s.")
        % {"identifier": user.identifier},
    )
    return _signed_in(request, user, id_token)


@configured
@require_POST
def unlink(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        link_delete(user=user, facts=request_facts(request))
    except LastWayIn:
        messages.error(
            request,
            _(
                "FranceConnect est votre seul moyen de connexion : ajoutez d'abord une clé "
                "d'accès ou choisissez un mot de passe, puis déliez FranceConnect."
            ),
        )
    else:
        messages.success(request, _("FranceConnect n'est plus lié à votre compte."))
    return redirect("myaccount:account")


@public
@require_GET
def logout_done(request: HttpRequest) -> HttpResponse:
    """Where FranceConnect sends the person back after its logout."""
    if is_our_logout_state(request.GET.get("state", "")):
        messages.success(request, _("Vous êtes déconnecté du portail et de FranceConnect."))
    return redirect(settings.LOGOUT_REDIRECT_URL)
