from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifications.backends import sms as sms_backends
from notifications.errors import PermanentSendError, TransientSendError


class ScriptedSmsBackend(sms_backends.BaseSmsBackend):
    """Answers with the scripted outcomes in order, then succeeds: the one seam of unit tests."""

    script: list[str] = []
    calls: list[dict[str, str]] = []

    def send(self, *, to: str, body: str, idempotency_key: str = "") -> sms_backends.SentSms:
        ScriptedSmsBackend.calls.append({"to": to, "body": body, "key": idempotency_key})
        outcome = ScriptedSmsBackend.script.pop(0) if ScriptedSmsBackend.script else "ok"
        if outcome == "transient":
            raise TransientSendError("http_5xx", "500")
        if outcome.startswith("permanent:"):
            raise PermanentSendError(outcome.split(":")[1], "refused")
        return sms_backends.SentSms(to=to, body=body, provider_id=f"SM{len(self.calls):032d}")


@pytest.fixture
def scripted_sms(settings) -> Iterator[type[ScriptedSmsBackend]]:
    settings.SMS_BACKENDS = {**settings.SMS_BACKENDS, "scripted": f"{__name__}.ScriptedSmsBackend"}
    settings.SMS_BACKEND = "scripted"
    ScriptedSmsBackend.script = []
    ScriptedSmsBackend.calls = []
    yield ScriptedSmsBackend
