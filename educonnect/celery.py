"""The Celery application: Redis broker in production, tasks run in-process when embedded.

Tasks are ``DjangoTask``s so callers enqueue with ``delay_on_commit``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "educonnect.settings")

app = Celery("educonnect", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
