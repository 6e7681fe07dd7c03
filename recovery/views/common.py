"""What every recovery page shares: the decorator of public pages, and the one translation of
journey errors into pages (``error_page``); each journey's views live beside this module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from recovery import codes, errors
from recovery.forms.forgot import CodeForm

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
    """The one translation of journey errors into what the person sees and does next."""
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
        return (
            _("Ce code a expiré (%(code_minutes)d minutes). Demandez un nouveau code.")
            % codes.lifetimes()
        )
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


def form_status(request: HttpRequest) -> int:
    """A form shown again after a POST was refused: 400; a page asked for: 200."""
    return HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK
