"""gunicorn's logger with link tokens masked in the access log (``educonnect.redaction``).

Used by ``gunicorn.conf.py`` at the project root, which gunicorn reads from its working
directory (the Dockerfile's ``/app``): every atom of the access log format (request line,
path, query, referer, headers) goes through ``redact``.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from educonnect.redaction import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
