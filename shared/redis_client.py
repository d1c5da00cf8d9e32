"""The Redis client factory: one pool per process, rebuilt after fork."""

from __future__ import annotations

import os

import redis

from shared.settings import Settings

SOCKET_TIMEOUT_S = 2.0


class RedisClient:
    """Lazily built `redis.Redis` for rate limits, locks and health checks (replies as text), and one for
    binary values (`binary`, replies as bytes)."""

    def __init__(self) -> None:
        self._url: str | None = None
        self._clients: dict[bool, redis.Redis] = {}
        self._pid: int | None = None

    def configure(self, settings: Settings) -> None:
        if settings.redis_url != self._url:
            self._url = settings.redis_url
            if self._pid == os.getpid():
                for client in self._clients.values():
                    client.close()  # its pool's sockets; a client from another process is not ours
            self._clients = {}

    def _get(self, decode: bool) -> redis.Redis:
        if self._url is None:
            raise RuntimeError("Redis is not configured; call configure(settings) at process start")
        if self._pid != os.getpid():
            self._clients, self._pid = {}, os.getpid()
        if decode not in self._clients:
            self._clients[decode] = redis.Redis.from_url(
                self._url,
                socket_timeout=SOCKET_TIMEOUT_S,
                socket_connect_timeout=SOCKET_TIMEOUT_S,
                health_check_interval=30,
                decode_responses=decode,
            )
        return self._clients[decode]

    @property
    def client(self) -> redis.Redis:
        return self._get(decode=True)

    @property
    def binary(self) -> redis.Redis:
        return self._get(decode=False)

    def ping(self) -> None:
        self.client.ping()


redis_client = RedisClient()
