"""Project-wide middleware."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty


def method_not_allowed_page(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Django's 405 answers (``require_POST`` and the like) have an empty body: a family who
    reloads a "resend" button's address gets the portal's French error page instead."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.status_code != HTTPStatus.METHOD_NOT_ALLOWED or response.content:
            return response
        page = render(request, "405.html", status=HTTPStatus.METHOD_NOT_ALLOWED)
        page["Allow"] = response.get("Allow", "")
        return page

    return middleware


def _allowlist(origins: list[str]) -> str:
    return " ".join(origin if origin == "self" else f'"{origin}"' for origin in origins)


def permissions_policy(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY``: feature → origins allowed
    (``[]`` for none, ``"self"`` for the portal's own)."""
    header = ", ".join(
        f"{feature}=({_allowlist(origins)})"
        for feature, origins in settings.PERMISSIONS_POLICY.items()
    )

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", header)
        return response

    return middleware


def request_body_limit(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse a body larger than ``REQUEST_BODY_MAX_BYTES`` before anything reads it (the CSRF
    check would parse it, uploaded files included): a French 413 page. Django's own limit
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``) does not count uploaded files."""

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES:
            context = {"max_mb": settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)}
            return render(request, "413.html", context, status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        return get_response(request)

    return middleware


# A response that asks for its own policy (django-csp's decorators and ``_csp_*`` attributes).
_POLICY_OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


@dataclass(frozen=True)
class _Policies:
    placeholder: str
    with_nonce: str
    without_nonce: str
    prebuilt: bool  # False: a report-only policy or excluded prefixes, left to django-csp


@functools.cache
def _policies() -> _Policies:
    """The settings' policy, built by django-csp itself, once until a setting changes."""
    placeholder = secrets.token_hex(16)  # never in a policy: 128 random bits
    configured = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return _Policies(
        placeholder=placeholder,
        with_nonce=build_policy(nonce=placeholder),
        without_nonce=build_policy(),
        prebuilt=not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        and not configured.get("EXCLUDE_URL_PREFIXES"),
    )


@receiver(setting_changed)
def _policies_forget(**kwargs: Any) -> None:
    _policies.cache_clear()


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's middleware with the policy written once.

    django-csp builds the header from the settings on every response (copying every directive,
    twice with the report-only policy). Here the settings' policy is built by django-csp
    itself, once per process and again when a setting changes (tests), with a placeholder where
    the request's nonce goes; a response then costs one string replace. A response that
    changes its policy (``_csp_update`` and the like), a report-only policy in the settings,
    and DEBUG's error pages go through django-csp unchanged.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        policies = _policies()
        if (
            not policies.prebuilt
            or settings.DEBUG
            or HEADER in response
            or any(hasattr(response, name) for name in _POLICY_OVERRIDES)
        ):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        if nonce is None:
            # As django-csp: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
            policy = policies.without_nonce
        else:
            policy = policies.with_nonce.replace(policies.placeholder, nonce)
        if policy:
            response[HEADER] = policy
        return response


class LoginRequired(LoginRequiredMiddleware):
    """Django's login-required default, asking the view first: a public view (the login page,
    recovery, the health check) no longer loads the visitor's session and account for it."""

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponseBase | None:
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class Locale(LocaleMiddleware):
    """Django's language choice (cookie, then ``Accept-Language``), without looking for a
    language prefix in the path when the URLconf has no ``i18n_patterns``: Django's looks
    twice a request and discards the answer. With prefixed patterns it is Django's unchanged."""

    def process_request(self, request: HttpRequest) -> None:
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class Messages(MessageMiddleware):
    """Django's messages, with the storage opened when first used: a response that neither
    reads nor adds a message (a redirect, the OpenID endpoints, the health check) no longer
    builds the cookie signer and the session storage for nothing. A storage never opened has
    nothing to write back, as Django's own ``update()`` would find."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage = getattr(request, "_messages", None)
        if type(storage) is SimpleLazyObject and storage._wrapped is empty:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)
