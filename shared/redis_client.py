"""The Redis client factory: one pool per process, rebuilt after fork."""

from __future__ import annotations

import os

import redis

from shared.settings import Settings

SOCKET_TIMEOUT_S = 2.0


class RedisClient:
    """Lazily built `redis.Redis` for rate limits, locks and health checks."""

    def __init__(self) -> None:
        self._url: str | None = None
        self._client: redis.Redis | None = None
        self._pid: int | None = None

    def configure(self, settings: Settings) -> None:
        if settings.redis_url != self._url:
            self._url = settings.redis_url
            if self._client is not None and self._pid == os.getpid():
                self._client.close()  # its pool's sockets; a client from another process is not ours
            self._client = None

    @property
    def client(self) -> redis.Redis:
        if self._url is None:
            raise RuntimeError("Redis is not configured; call configure(settings) at process start")
        if self._client is None or self._pid != os.getpid():
            self._client = redis.Redis.from_url(
                self._url,
                socket_timeout=SOCKET_TIMEOUT_S,
                socket_connect_timeout=SOCKET_TIMEOUT_S,
                health_check_interval=30,
                decode_responses=True,
            )
            self._pid = os.getpid()
        return self._client

    def ping(self) -> None:
        self.client.ping()


redis_client = RedisClient()
