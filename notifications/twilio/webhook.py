"""Twilio delivery-status callback: ``/webhooks/twilio/status/``.

Only requests signed with our auth token (``X-Twilio-Signature``, checked by the SDK's
validator over the public callback URL) change anything; anything else gets a 403.
"""

from __future__ import annotations

from http import HTTPStatus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from notifications.status import notification_apply_provider_status


@login_not_required
@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.TWILIO_AUTH_TOKEN
    params = {key: request.POST.get(key, "") for key in request.POST}
    if not token or not signature:
        return HttpResponse(status=HTTPStatus.FORBIDDEN)
    if not RequestValidator(token).validate(settings.TWILIO_STATUS_CALLBACK_URL, params, signature):
        return HttpResponse(status=HTTPStatus.FORBIDDEN)
    notification_apply_provider_status(
        provider_message_id=params.get("MessageSid", "")[:64],
        provider_status=params.get("MessageStatus", ""),
        error_code=params.get("ErrorCode", ""),
    )
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
