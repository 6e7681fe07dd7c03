"""A local SMTP server (aiosmtpd) that keeps what it receives, for the real-services suite."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class KeepingHandler:
    """Accepts every message and keeps its envelope."""

    received: list[ReceivedMail] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        with self._lock:
            self.received.append(
                ReceivedMail(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=[str(rcpt) for rcpt in envelope.rcpt_tos],
                    content=content if isinstance(content, bytes) else str(content).encode(),
                )
            )
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.received)


class SmtpServer:
    """``with SmtpServer(port) as smtp:`` listens on 127.0.0.1:<port> until the block ends."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = KeepingHandler()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self.handler.received)

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._controller.stop()

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        """Stop listening; nothing to do when it is not running (a fault test's teardown)."""
        if self._controller._thread is not None:
            self._controller.stop()
