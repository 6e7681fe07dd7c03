"""The fake FranceConnect's own pages: choose who to be, and the tests' switch."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model, login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fake_franceconnect import validators
from fake_franceconnect.identities import IDENTITIES


def choose_identity(request: HttpRequest) -> HttpResponse:
    """FranceConnect's "choose your identity provider" and its login, in one click."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST":
        key = request.POST.get("identity", "")
        if key not in IDENTITIES:
            return HttpResponseBadRequest("identité inconnue")
        user, _created = get_user_model().objects.get_or_create(username=key)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_url)
    return render(
        request,
        "fake_franceconnect/choose.html",
        {"identities": IDENTITIES, "next": next_url},
    )


@csrf_exempt
@require_POST
def test_mode(request: HttpRequest) -> HttpResponse:
    """The tests' switch: ``{"id_token": "normal" | "rogue-key"}``."""
    try:
        mode = json.loads(request.body or b"{}").get("id_token", "normal")
    except ValueError:
        return HttpResponseBadRequest("JSON attendu")
    if mode not in {"normal", "rogue-key"}:
        return HttpResponseBadRequest("mode inconnu")
    validators.MODE["id_token"] = mode
    return JsonResponse(validators.MODE)
