"""Celery tasks of the accounts app: housekeeping run by beat (``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from celery import shared_task

from accounts.known_devices import known_devices_purge


@shared_task(name="accounts.purge_forgotten_devices")
def purge_forgotten_devices() -> int:
    return known_devices_purge()
