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

import threading
import uuid
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


def test_the_channel_keeps_one_client_per_pool_and_a_new_one_for_a_new_pool() -> None:
    connection = Connection(settings.REDIS_URL, transport=Transport)
    channel = connection.channel()
    try:
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
            assert first.ping()
        channel._disconnect_pools()  # a channel that reconnects gets a new pool
        with channel.conn_or_acquire() as third:
            assert third is not first
            assert third.connection_pool is channel.pool
            assert third.ping()
    finally:
        connection.close()


def test_a_kept_client_does_not_outlive_a_detached_channel() -> None:
    connection = Connection(settings.REDIS_URL, transport=Transport)
    channel = connection.channel()
    with channel.conn_or_acquire() as client:
        assert client.ping()
    channel._disconnect_pools()
    connection._do_close_transport()
    with pytest.raises(Transport.connection_errors), channel.conn_or_acquire() as client:
        client.ping()


def test_one_kept_client_serves_the_worker_threads_at_once() -> None:
    """The acknowledgement bookkeeping of threads at once, as the threads pool runs it (8: the
    channel's pool holds kombu's default of 10 connections, shared by every client)."""
    connection = Connection(settings.REDIS_URL, transport=Transport)
    channel = connection.channel()
    prefix = f"test-broker-{uuid.uuid4().hex}"
    errors: list[BaseException] = []

    def bookkeeping(thread: int) -> None:
        try:
            for n in range(50):
                tag = f"{thread}-{n}"
                with channel.conn_or_acquire() as client:
                    client.pipeline().zadd(f"{prefix}:index", {tag: n}).hset(
                        f"{prefix}:unacked", tag, tag
                    ).execute()
                with channel.conn_or_acquire() as client:
                    assert client.hget(f"{prefix}:unacked", tag) == tag.encode()
                    client.pipeline().zrem(f"{prefix}:index", tag).hdel(
                        f"{prefix}:unacked", tag
                    ).execute()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=bookkeeping, args=(n,)) for n in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with channel.conn_or_acquire() as client:
            assert client.zcard(f"{prefix}:index") == 0
            assert client.hlen(f"{prefix}:unacked") == 0
    finally:
        connection.close()
