"""SMS backends, chosen by ``SMS_BACKEND``: console + outbox (embedded), locmem (unit tests),
twilio (production, the ``twilio`` SDK over HTTP: ``notifications.twilio``).

A backend returns the provider's message id, or raises TransientSendError (retry later) or
PermanentSendError (never retry). Bodies and codes are never logged here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from notifications import outbox


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


def get_sms_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKENDS[settings.SMS_BACKEND])
    backend: BaseSmsBackend = backend_class()
    return backend
