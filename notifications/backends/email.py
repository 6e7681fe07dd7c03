"""E-mail backend for the embedded run: console output plus one ``.eml`` file per message."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.core.mail.message import EmailMessage

from notifications import outbox


class ConsoleOutboxEmailBackend(ConsoleEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = super().send_messages(email_messages)
        for message in email_messages:
            if message.recipients():
                outbox.write_mail(message.message().as_bytes(linesep="\n"))
        return sent
