"""The Twilio SMS backend: the ``twilio`` SDK over HTTP, with our idempotency key on every
request and the provider's answers sorted into transient and permanent failures."""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.backends.sms import BaseSmsBackend, SentSms
from notifications.errors import PermanentSendError, TransientSendError
from notifications.explanations import PERMANENT_TWILIO_CODES

TWILIO_API = "https://api.twilio.com"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


class _PortalTwilioHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, pointed at ``TWILIO_API_BASE_URL`` when set (a local fake
    provider in tests) and carrying our idempotency key on every request."""

    def __init__(self, *, base_url: str, idempotency_key: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.idempotency_key = idempotency_key

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        headers = dict(kwargs.pop("headers", None) or {})
        if self.idempotency_key:
            headers[IDEMPOTENCY_HEADER] = self.idempotency_key
        return super().request(method, url, *args, headers=headers, **kwargs)


class TwilioSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str, idempotency_key: str = "") -> SentSms:
        http_client = _PortalTwilioHttpClient(
            base_url=settings.TWILIO_API_BASE_URL,
            idempotency_key=idempotency_key,
            timeout=settings.TWILIO_TIMEOUT_SECONDS,
        )
        client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )
        sender: dict[str, str] = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        try:
            message = client.messages.create(
                to=to, body=body, status_callback=settings.TWILIO_STATUS_CALLBACK_URL, **sender
            )
        except TwilioRestException as error:
            raise _classify(error) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise TransientSendError("network", type(error).__name__) from error
        return SentSms(to=to, body=body, provider_id=message.sid or "")


def _classify(error: TwilioRestException) -> Exception:
    status = error.status or 0
    if status == 429:
        return TransientSendError("http_429", error.msg or "")
    if status >= 500:
        return TransientSendError("http_5xx", f"{status} {error.msg or ''}")
    code = str(error.code) if error.code else f"http_{status}"
    if code in PERMANENT_TWILIO_CODES or 400 <= status < 500:
        return PermanentSendError(code, error.msg or "")
    return TransientSendError(code, error.msg or "")
