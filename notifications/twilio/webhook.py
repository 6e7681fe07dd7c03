"""Twilio delivery-status callback: ``/webhooks/twilio/status/``.

Only requests signed with our auth token (``X-Twilio-Signature``, checked by the SDK's
validator over the public callback URL) change anything; anything else gets a 403. A signed
callback is still input: a ``MessageSid`` that is not a Twilio message id (a NUL byte, which
PostgreSQL refuses in a query, included) gets a 400, and an ``ErrorCode`` that is not a
number is dropped.
"""

from __future__ import annotations

import re
from http import HTTPStatus

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from notifications.status import notification_apply_provider_status

MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")  # SMS or MMS: two letters, 32 hex digits
ERROR_CODE = re.compile(r"[0-9]{1,10}")


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
    sid = params.get("MessageSid", "")
    if not MESSAGE_SID.fullmatch(sid):  # signed, yet not a message id: nothing to look up
        return HttpResponse(status=HTTPStatus.BAD_REQUEST)
    error_code = params.get("ErrorCode", "")
    notification_apply_provider_status(
        provider_message_id=sid,
        provider_status=params.get("MessageStatus", ""),
        error_code=error_code if ERROR_CODE.fullmatch(error_code) else "",
    )
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
