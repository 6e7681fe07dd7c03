"""The one place where an OAuth error that cannot go back to the service becomes a French page.

When the client or its redirect URI cannot be trusted (RFC 6749 §4.1.2.1), the person sees
what happened and what to do; the service learns nothing and nobody is redirected anywhere.
"""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

_LEADS = {
    "invalid_client_id": _("Ce service n'est pas enregistré auprès du portail."),
    "invalid_redirect_uri": _("L'adresse de retour demandée par ce service n'est pas enregistrée."),
    "mismatching_redirect_uri": _(
        "L'adresse de retour demandée par ce service n'est pas enregistrée."
    ),
    "missing_redirect_uri": _("Ce service n'a pas indiqué d'adresse de retour."),
    "invalid_logout": _("La demande de déconnexion de ce service n'est pas valable."),
    "invalid_oidc_redirect_uri": _(
        "L'adresse où ce service veut vous renvoyer après la déconnexion n'est pas enregistrée."
    ),
    "logout_denied": _("Vous êtes resté connecté."),
}
_DEFAULT_LEAD = _("La demande de connexion envoyée par ce service n'est pas valable.")


def oauth_error_page(
    request: HttpRequest, code: str, status: int = HTTPStatus.BAD_REQUEST
) -> HttpResponse:
    context = {"lead": _LEADS.get(code, _DEFAULT_LEAD), "code": code, "status": status}
    return render(request, "identity/error.html", context, status=status)
