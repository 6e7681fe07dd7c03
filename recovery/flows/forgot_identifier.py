"""Lost identifier: by SMS to a school-declared mobile, or by e-mail to a verified one.

As for the lost password, the request path only remembers what was asked and enqueues
``recovery.deliver_identifier_reminder`` (``recovery.deliveries.identifier_reminder``); the task
finds the accounts and sends. Every number and every address gets the same page.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.channels import Channel
from recovery import tasks
from recovery.flows.base import SessionFlow, now_ts

SESSION_KEY = "recovery.forgot_identifier"


class Step:
    SENT = "sent"


@dataclass
class ForgotIdentifierFlow(SessionFlow):
    """initiate → the "sent" page; the state only says which channel was used."""

    session_key = SESSION_KEY

    def initiate(self, *, channel: Channel, destination: str, ip_address: str) -> None:
        self._save({"step": Step.SENT, "channel": channel.value, "started_at": now_ts()})
        tasks.enqueue_identifier_reminder(
            channel=channel.value, destination=destination, ip_address=ip_address
        )
