"""``/metrics``: the Prometheus exposition for operators, behind a bearer token.

Counters and histograms come from ``core.metrics`` (one total in Redis for every process of
every node, Celery workers included); the state of the sending pipeline is read from the
database at scrape, so it is exact whichever node answers and costs nothing between scrapes:

- ``portal_notifications{channel,status}``: rows of the notification log by status;
- ``portal_queue_depth{channel}``: messages not yet handed to the provider (queued or sending);
- ``portal_queue_oldest_age_seconds{channel}``: how long the oldest of those has waited;
- ``portal_broker_queue_length``: tasks waiting in the Celery broker's queue (Redis broker).

The endpoint answers 404 unless ``METRICS_TOKEN`` is set and the request carries
``Authorization: Bearer <token>`` (compared in constant time): to anyone else it does not exist.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

import redis
from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry

from core.metrics import StoredCollector
from notifications.models import Notification

logger = logging.getLogger(__name__)
WAITING = (Notification.Status.QUEUED, Notification.Status.SENDING)


class PipelineCollector:
    """The notification log and the broker's queue, read when Prometheus scrapes."""

    def collect(self) -> Iterator[Metric]:
        by_status = GaugeMetricFamily(
            "portal_notifications",
            "Notifications in the log (kept NOTIFICATION_RETENTION_DAYS), by channel and status.",
            labels=("channel", "status"),
        )
        for row in (
            Notification.objects.order_by()
            .values("channel", "status")
            .annotate(total=Count("pk"))
            .order_by("channel", "status")
        ):
            by_status.add_metric([row["channel"], row["status"]], row["total"])
        yield by_status

        depth = GaugeMetricFamily(
            "portal_queue_depth",
            "Messages not yet accepted by the provider (queued or sending), by channel.",
            labels=("channel",),
        )
        oldest = GaugeMetricFamily(
            "portal_queue_oldest_age_seconds",
            "Age of the oldest message not yet accepted by the provider, by channel (0: none).",
            labels=("channel",),
        )
        waiting = {
            row["channel"]: row
            for row in Notification.objects.filter(status__in=WAITING)
            .order_by()
            .values("channel")
            .annotate(total=Count("pk"), first=Min("created_at"))
        }
        now = timezone.now()
        for channel in Notification.Channel.values:
            found = waiting.get(channel)
            depth.add_metric([channel], found["total"] if found else 0)
            age = (now - found["first"]).total_seconds() if found else 0.0
            oldest.add_metric([channel], max(0.0, age))
        yield depth
        yield oldest

        length = _broker_queue_length()
        if length is not None:
            broker = GaugeMetricFamily(
                "portal_broker_queue_length",
                "Tasks waiting in the Celery broker's default queue (Redis broker only).",
            )
            broker.add_metric([], length)
            yield broker


def _broker_queue_length() -> int | None:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    try:
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return int(client.llen(getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")))
    except redis.RedisError as error:
        logger.warning("broker queue length unavailable: %s", error)
        return None


def registry() -> CollectorRegistry:
    """A registry of our collectors only (no process metrics of whichever worker answers)."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(StoredCollector())
    scraped.register(PipelineCollector())
    return scraped


def is_authorized(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def metrics_response(request: HttpRequest) -> HttpResponse:
    if not is_authorized(request):
        raise Http404
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
