"""Celery tasks of the roster: housekeeping run by beat (settings ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from roster import staging


@shared_task(name="roster.purge_stale_stages")
def purge_stale_stages() -> int:
    return staging.purge_stale()
