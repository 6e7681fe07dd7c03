"""Link tokens kept out of every log: ``/lien/<token>/`` and ``/verifier/<token>/`` are the
single-use links of a password reset and of an e-mail verification, still valid while unused.

``redact`` is applied by gunicorn's access log (``educonnect.gunicorn_logging``) and by a filter
on the portal's log handler (``RedactLinkTokens``, settings ``LOGGING``).
"""

from __future__ import annotations

import logging
import re

LINK_TOKEN = re.compile(r"(/(?:lien|verifier)/)[^/?#\s\"]+")
MASK = "[masqué]"


def redact(text: str) -> str:
    # The substring tests skip the regex for the many strings without a link (gunicorn's access
    # log redacts every header and environ value of every request).
    if "/lien/" not in text and "/verifier/" not in text:
        return text
    return LINK_TOKEN.sub(rf"\g<1>{MASK}", text)


class RedactLinkTokens(logging.Filter):
    """Rewrite a record's message with its tokens masked (Django logs request paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
