"""The staff second factor at sign-in: prove a code, or be told to use the invitation.

Enrolling happens only through an invitation link (``console.enrolment``)."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.audit import audit_event_record
from accounts.models import AuditEvent, User
from accounts.twofactor import devices as twofactor
from accounts.twofactor import invitations
from accounts.twofactor.forms import TokenForm
from core.http import client_ip, user_agent
from core.links import safe_next
from core.ratelimits import AttemptLimit

# Ten wrong codes per staff member in 15 minutes, whichever browser or address they come from.
STAFF_CODE_TRIES = AttemptLimit(name="staff-second-factor", limit=10, window_seconds=15 * 60)


def _next(request: HttpRequest) -> str:
    return safe_next(request, "admin:index")


def _audit(request: HttpRequest, event_type: str) -> None:
    audit_event_record(
        event_type=event_type,
        subject=request.user,  # type: ignore[arg-type]
        actor=request.user,  # type: ignore[arg-type]
        ip_address=client_ip(request),
        user_agent=user_agent(request),
    )


@never_cache
@sensitive_post_parameters("token")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Prove a code of the enrolled app (or a recovery code) before the console opens.

    A staff member without a confirmed device is never offered to enrol here, whoever they
    are (whoever logged in first enrolled): they are sent to their invitation."""
    user: User = request.user  # type: ignore[assignment]
    if not user.is_staff:
        raise PermissionDenied
    if not twofactor.has_confirmed_device(user):
        return render(
            request,
            "accounts/two_factor_no_device.html",
            {"lifetime_hours": invitations.lifetime_hours()},
            status=HTTPStatus.FORBIDDEN,
        )
    form = TokenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The try is taken before the code is compared: parallel posts cannot all pass one
        # reading of django-otp's own throttle (a read, then a save, of the device row).
        if STAFF_CODE_TRIES.reserve(str(user.pk)) is None:
            form.add_error(
                "token",
                _("Trop de codes incorrects : réessayez dans %(minutes)s minutes.")
                % {"minutes": STAFF_CODE_TRIES.window_seconds // 60},
            )
            return _verify_page(request, user, form, HTTPStatus.TOO_MANY_REQUESTS)
        device = twofactor.verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            STAFF_CODE_TRIES.clear(str(user.pk))
            otp_login(request, device)
            _audit(request, AuditEvent.Type.TWO_FACTOR_SUCCEEDED)
            return HttpResponseRedirect(_next(request))
        _audit(request, AuditEvent.Type.TWO_FACTOR_FAILED)
        form.add_error("token", _("Code incorrect ou expiré. Réessayez avec le code affiché."))
    status = HTTPStatus.BAD_REQUEST if request.method == "POST" else HTTPStatus.OK
    return _verify_page(request, user, form, status)


def _verify_page(request: HttpRequest, user: User, form: TokenForm, status: int) -> HttpResponse:
    context = {
        "form": form,
        "next": _next(request),
        "passkey_second_factor": twofactor.has_passkey_device(user),
    }
    return render(request, "accounts/two_factor_verify.html", context, status=status)
