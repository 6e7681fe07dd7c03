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

The channel also keeps one client for its connection pool. kombu builds a new ``redis.Redis``
for every publish and for the bookkeeping of every delivered and acknowledged message
(``conn_or_acquire``), about 80 µs each with redis-py 8 (its command callbacks copied each
time): three per task. A client only borrows a connection from the pool per command and is
safe to share between threads, so one per pool does the same work; a pool kombu drops (a closed
or reconnecting channel) is never reused, since the client is looked up through it.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    _pool_client: Any = None

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection of this channel is closed")
        params: dict[str, Any] = super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]
        return params

    def _create_client(self, asynchronous: bool = False) -> Any:
        if asynchronous:
            return super()._create_client(asynchronous=True)  # type: ignore[misc]
        pool = self.pool  # a new pool once kombu dropped the old one; raises once closed
        client = self._pool_client
        if client is None or client.connection_pool is not pool:
            client = super()._create_client()  # type: ignore[misc]
            self._pool_client = client
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel
