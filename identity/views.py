"""The provider's endpoints, on django-oauth-toolkit's views, and the person's list of
connected services. Views translate HTTP; rules live in validators, claims and services."""

from __future__ import annotations

import base64
import binascii
import json
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from oauth2_provider import views as oauth_views
from oauth2_provider.exceptions import (
    InvalidOIDCClientError,
    InvalidOIDCRedirectURIError,
    LogoutDenied,
    OAuthToolkitError,
)
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc6749.errors import ConsentRequired, LoginRequired, OAuth2Error

from accounts.models import User
from core.converters import parse_database_id
from core.http import client_ip
from core.ratelimits import consume, consume_or_429
from identity import keys, services
from identity.authorization import origin, unsafe_request_error
from identity.backchannel import Reason, logout_everywhere
from identity.consent import disclosures
from identity.errors import oauth_error_page
from identity.models import Client, Consent

_CREDENTIAL_KEYS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
)


@method_decorator(login_not_required, name="dispatch")
class AuthorizeView(oauth_views.AuthorizationView):
    """The authorization endpoint: refuses before login what cannot be answered by a redirect,
    asks consent once per service and scope set, and remembers each use."""

    template_name = "identity/consent.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limited = consume_or_429(request, action="oidc_authorize")
        if limited is not None:
            return limited
        error = unsafe_request_error(request.POST if request.method == "POST" else request.GET)
        if error is not None:
            return oauth_error_page(request, error)
        if request.method == "GET" and "none" in request.GET.get("prompt", "").split():
            refusal = self._silent_refusal(request)
            if refusal is not None:
                return refusal
        return super().dispatch(request, *args, **kwargs)

    def _silent_refusal(self, request: HttpRequest) -> HttpResponse | None:
        """``prompt=none`` shows no page: the service hears ``login_required`` when nobody is
        logged in, ``consent_required`` when this person never agreed to these scopes (with its
        ``state``, at its registered redirect URI); else the usual flow answers with a code."""
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        client = Client.objects.get(client_id=credentials["client_id"])
        user = request.user
        refusal: OAuth2Error
        if not user.is_authenticated:
            refusal = LoginRequired(state=credentials.get("state"))
        else:
            consent = Consent.objects.filter(user=user, client=client).first()
            if consent is not None and consent.covers(scopes):
                return None
            refusal = ConsentRequired(state=credentials.get("state"))
        return self.error_response(
            OAuthToolkitError(error=refusal, redirect_uri=credentials["redirect_uri"]), client
        )

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        error = context.get("error")
        if error is not None:
            status = response_kwargs.get("status", HTTPStatus.BAD_REQUEST)
            return oauth_error_page(self.request, getattr(error, "error", ""), status)
        client, scopes = context["application"], context["scopes"]
        consent = Consent.objects.filter(user=self.request.user, client=client).first()
        if consent is not None and consent.covers(scopes):
            return self._approve(client, scopes)
        context["disclosures"] = disclosures(self.request.user, client, scopes)
        response = super().render_to_response(context, **response_kwargs)
        # The consent form's answer redirects to the service: CSP form-action covers redirects
        # after a submission, so the registered redirect URI's origin is allowed on this page.
        response._csp_update = {"form-action": [origin(context["redirect_uri"])]}
        return response

    def _approve(self, client: Client, scopes: list[str]) -> HttpResponse:
        """The person already agreed to these scopes for this service: answer at once."""
        credentials = {
            key: self.oauth2_data[key] for key in _CREDENTIAL_KEYS if self.oauth2_data.get(key)
        }
        if self.oauth2_data.get("claims"):
            credentials["claims"] = json.loads(self.oauth2_data["claims"])
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=self.request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, client)
        return self.redirect(uri, client)

    def create_authorization_response(self, request, scopes, credentials, allow):
        answer = super().create_authorization_response(request, scopes, credentials, allow)
        if allow:
            services.consent_record(
                user=request.user,
                client=Client.objects.get(client_id=credentials["client_id"]),
                scopes=scopes.split() if isinstance(scopes, str) else list(scopes),
                ip_address=client_ip(request),
            )
        return answer


def _client_id_of(request: HttpRequest) -> str:
    """The client a token request is for (body or HTTP Basic), as the rate-limit key."""
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth.startswith("Basic "):
        try:
            return base64.b64decode(auth[6:]).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return str(request.POST.get("client_id", ""))[:255]


class TokenView(oauth_views.TokenView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if consume(request, action="oidc_token", key=_client_id_of(request)):
            return JsonResponse(
                {"error": "temporarily_unavailable", "error_description": "rate limited"},
                status=HTTPStatus.TOO_MANY_REQUESTS,
            )
        return super().post(request, *args, **kwargs)


class DiscoveryView(oauth_views.ConnectDiscoveryInfoView):
    """The library's discovery document, told the truth about this provider: RS256 keys from
    the database, pairwise subjects, code flow with S256 only, revocation, back-channel logout."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        issuer = oauth2_settings.oidc_issuer(request)
        data.update(
            {
                "id_token_signing_alg_values_supported": ["RS256"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "revocation_endpoint": issuer + reverse("oauth2_provider:revoke-token"),
                "backchannel_logout_supported": True,
                "backchannel_logout_session_supported": False,
                "ui_locales_supported": [code for code, _name in settings.LANGUAGES],
            }
        )
        answer = JsonResponse(data)
        answer["Access-Control-Allow-Origin"] = "*"
        return answer


@login_not_required
@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    response = JsonResponse(keys.jwks())
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={oauth2_settings.OIDC_JWKS_MAX_AGE_SECONDS}"
    return response


class LogoutView(oauth_views.RPInitiatedLogoutView):
    """RP-initiated logout: ``post_logout_redirect_uri`` must be one the service registered;
    every service the person is signed into is told by back-channel logout."""

    template_name = "identity/logout_confirm.html"

    def get_request_application(self, id_token, client_id):
        try:
            return super().get_request_application(id_token, client_id)
        except Client.DoesNotExist:
            raise InvalidOIDCClientError() from None

    def do_logout(
        self, application=None, post_logout_redirect_uri=None, state=None, token_user=None
    ):
        user = token_user or self.request.user
        if isinstance(user, User):
            logout_everywhere(user, Reason.LOGOUT)
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)

    def error_response(self, error: Exception) -> HttpResponse:
        if isinstance(error, InvalidOIDCRedirectURIError):
            code = "invalid_oidc_redirect_uri"
        elif isinstance(error, LogoutDenied):
            code = "logout_denied"
        else:
            code = "invalid_logout"
        return oauth_error_page(self.request, code, getattr(error, "status_code", 400))


@never_cache
@require_http_methods(["GET", "POST"])
def connected_services(request: HttpRequest) -> HttpResponse:
    """Mon compte › Services connectés: the services used, and "retirer l'accès"."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        client_id = parse_database_id(request.POST.get("client", ""))
        if client_id is None:
            return render(request, "400.html", status=HTTPStatus.BAD_REQUEST)
        if services.consent_withdraw(user=user, client_id=client_id, ip_address=client_ip(request)):
            messages.success(request, _("L'accès de ce service a été retiré."))
        return redirect("identity:connected_services")
    rows = services.connected_services(user)
    return render(request, "identity/connected_services.html", {"services": rows})
