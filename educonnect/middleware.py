"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


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
