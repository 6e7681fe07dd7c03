"""Health probes for ``/healthz``: the database, the cache and the Celery broker."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from educonnect.celery import app


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False


def check_cache() -> bool:
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:  # noqa: BLE001
        return False


def check_broker() -> bool:
    """In-process tasks have no broker to reach; otherwise open a connection to it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001
        return False


def report() -> dict[str, bool]:
    return {"database": check_database(), "cache": check_cache(), "broker": check_broker()}
