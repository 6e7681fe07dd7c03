"""Beat housekeeping for verification codes."""

from __future__ import annotations

from celery import shared_task

from recovery import codes


@shared_task(name="recovery.purge_expired_codes")
def purge_expired_codes() -> int:
    return codes.purge_expired()
