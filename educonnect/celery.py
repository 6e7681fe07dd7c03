"""The Celery application: Redis broker in production, tasks run in-process when embedded.

Tasks are ``DjangoTask``s so callers enqueue with ``delay_on_commit``.

Database connections in the worker follow Django's request rules rather than Celery's: Celery's
Django fix-up closes every connection before and after each task (unless ``DB_REUSE_MAX`` is
set), which cost each password reset two new PostgreSQL connections, a backend fork each and
about 22 ms of PostgreSQL CPU (bench/peer.py). Here the fix-up's closing is turned
off and each task starts and ends with ``close_old_connections()``, as each HTTP request does:
a connection lives ``CONN_MAX_AGE`` seconds, is checked before reuse (``CONN_HEALTH_CHECKS``)
and is dropped after any error that left it unusable, so a PostgreSQL restart costs the next
task one reconnection (tests/services/test_faults.py).
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educonnect.settings")

app = Celery("educonnect", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Read by the fix-up as ``CELERY_DB_REUSE_MAX``: it closes connections only every 2 × this many
# task signals, i.e. practically never; close_old_connections below decides instead.
app.conf.update(CELERY_DB_REUSE_MAX=2**62)
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(sender: Any = None, **kwargs: Any) -> None:
    """Django's per-request rule for the connection of the thread running the task."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()
