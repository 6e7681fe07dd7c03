"""The Redis transport's channel once its connection is gone (educonnect/broker.py).

When the worker sees the broker drop, Celery closes the connection, which detaches the
transport from it, and then closes the channel, which gives the unacknowledged messages back
through a new client built from that connection. kombu's own channel then raises
AttributeError ('NoneType' object has no attribute 'hostname'), which nothing expects and
which made the worker exit; ours raises the transport's connection error, which kombu and
Celery handle (the close goes on, a late ack logs "Couldn't ack"). The fault test
(test_faults.py) shows the whole worker riding out a Redis restart.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport import redis as kombu_redis

from educonnect.broker import Transport
from educonnect.celery import app


def detached_channel(transport: type) -> tuple[Connection, Any]:
    connection = Connection(settings.REDIS_URL, transport=transport)
    channel = connection.channel()
    channel._disconnect_pools()  # what closing a channel does first
    connection._do_close_transport()  # what closing a broken connection does
    return connection, channel


def test_kombus_own_channel_raises_attribute_error_once_detached() -> None:
    _connection, channel = detached_channel(kombu_redis.Transport)
    with pytest.raises(AttributeError, match="hostname"):
        channel._connparams()


def test_our_channel_raises_the_error_kombu_expects_instead() -> None:
    connection_errors = Transport.connection_errors
    _connection, channel = detached_channel(Transport)
    with pytest.raises(connection_errors, match="closed"):
        channel._connparams()
    # The path of restore_unacked and of a late ack:
    with pytest.raises(connection_errors), channel.conn_or_acquire() as client:
        client.ping()


def test_the_worker_uses_it_for_a_redis_broker() -> None:
    assert settings.CELERY_BROKER_TRANSPORT == "educonnect.broker:Transport"
    with app.connection_for_write() as connection:
        assert isinstance(connection.transport, Transport)
