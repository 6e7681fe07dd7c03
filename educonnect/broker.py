"""The Redis broker transport, with a channel that outlives its connection without crashing.

Celery 5.7 / kombu 5.7 (the versions pinned here) close a broken broker connection as soon as
the consumer sees it drop (``Consumer.on_connection_error_after_connected``). Closing it
detaches the transport (``transport.client = None``) and then closes the channel, which tries
to give the unacknowledged messages (``task_acks_late``: the tasks still running) back to Redis
through a new client built from ``connection.client``: ``None.hostname``, an
``AttributeError``. kombu ignores only the transport's connection and channel errors there, so
the AttributeError escapes the consumer and the worker process exits (kombu issue #582 is the
same failure). The same happens when a task that was running during the restart finishes and
acknowledges on its old channel.

This channel raises redis' ``ConnectionError`` instead, one of the errors kombu and Celery
expect from a connection that is gone: the close goes on, the consumer reconnects, and a task
that finishes on the old channel logs "Couldn't ack" instead of killing the worker. Nothing is
lost: the message stays in Redis' unacked set, and the transport gives it back after the
visibility timeout; the notification's claim (``notifications.delivery.claim``) stops it from
being sent a second time. Selected by ``CELERY_BROKER_TRANSPORT`` when the broker is Redis.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection of this channel is closed")
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]
        return params


class Transport(kombu_redis.Transport):
    Channel = Channel
