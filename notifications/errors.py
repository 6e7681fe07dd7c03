"""Typed sending errors: the task retries the transient ones and never the permanent ones."""

from __future__ import annotations


class SendError(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class TransientSendError(SendError):
    """Network trouble, HTTP 429 or 5xx, SMTP temporarily refused: try again later."""


class PermanentSendError(SendError):
    """The provider will never accept this message (Twilio 21211 invalid number, …)."""
