"""The Twilio SMS backend: the ``twilio`` SDK over HTTP, with our idempotency key on every
request and the provider's answers sorted into transient and permanent failures.

The SDK client and its HTTP session are kept per thread (a worker thread sends one message at a
time) and reused from one message to the next, so a message costs no new TCP/TLS connection:
a new client per message opened one each time. The idempotency key is set on the
thread's client for each message.
"""

from __future__ import annotations

import os
import threading
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


_clients = threading.local()


def _thread_client() -> tuple[Client, _PortalTwilioHttpClient]:
    """This thread's client, made again when the settings it was made from changed (tests) or
    in a forked child (a session must not share its parent's sockets)."""
    made_from = (
        os.getpid(),
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_TIMEOUT_SECONDS,
    )
    cached = getattr(_clients, "cached", None)
    if cached is None or cached[0] != made_from:
        http_client = _PortalTwilioHttpClient(
            base_url=settings.TWILIO_API_BASE_URL,
            idempotency_key="",
            timeout=settings.TWILIO_TIMEOUT_SECONDS,
        )
        client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )
        cached = _clients.cached = (made_from, client, http_client)
    return cached[1], cached[2]


class TwilioSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, body: str, idempotency_key: str = "") -> SentSms:
        client, http_client = _thread_client()
        http_client.idempotency_key = idempotency_key
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
