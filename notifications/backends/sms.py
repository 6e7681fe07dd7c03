"""SMS backends, chosen by ``SMS_BACKEND``: console + outbox (embedded), locmem (unit tests),
twilio (production, the ``twilio`` SDK over HTTP).

A backend returns the provider's message id, or raises TransientSendError (retry later) or
PermanentSendError (never retry). Bodies and codes are never logged here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications import outbox
from notifications.errors import PermanentSendError, TransientSendError
from notifications.explanations import PERMANENT_TWILIO_CODES

TWILIO_API = "https://api.twilio.com"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    provider_id: str = ""


class BaseSmsBackend:
    def send(self, *, to: str, body: str, idempotency_key: str = "") -> SentSms:
        raise NotImplementedError


class ConsoleOutboxSmsBackend(BaseSmsBackend):
    """Prints the SMS and appends it to ``$OUTBOX_DIR/sms.jsonl``."""

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> SentSms:
        outbox.append_sms(to=to, body=body)
        sys.stdout.write(f"[SMS to {to}] {body}\n")
        sys.stdout.flush()
        return SentSms(to=to, body=body, provider_id=f"outbox-{idempotency_key}")


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps sent SMS in ``LocmemSmsBackend.outbox`` for unit tests, like Django's mail.outbox."""

    outbox: list[SentSms] = []

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> SentSms:
        sms = SentSms(to=to, body=body, provider_id=f"LOCMEM{len(self.outbox) + 1}")
        LocmemSmsBackend.outbox.append(sms)
        return sms


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


def get_sms_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKENDS[settings.SMS_BACKEND])
    return backend_class()  # type: ignore[no-any-return]
