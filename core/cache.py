"""The default cache on Redis: Django's backend, with one client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every operation, and
building one fills its table of about 170 response callbacks: that was the largest single cost
of a cache call (a quarter of a rate-limit check, four times per SMS in the worker). A client
is only a handle on its pool, safe to share between threads (redis-py), so one per pool is
kept. ``client_for_writes`` hands it to code that needs a pipeline (the SMS budget's one
round trip, ``notifications.budget``).
"""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _SharedClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClient

    def client_for_writes(self) -> redis.Redis:
        return self._cache.get_client(write=True)  # type: ignore[attr-defined,no-any-return]
