"""The Redis client factory: one pool per process, rebuilt after fork, bounded when Redis stalls.

A stalled Redis (paused, swapping, a long fork) still accepts connections and then answers nothing, so
every call would wait out its whole timeout, and one request makes several calls (its sign-in cache, the
rate limit, the recompute signal). Each call here waits at most REDIS_TIMEOUT_MS; after one timeout, every
call of this process fails at once for SKIP_AFTER_TIMEOUT_S, so the callers' fallbacks (fail open, answer
503, defer to a sweeper) run without waiting again. Only the process's composition root (shared/runtime.py)
configures it.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from shared.settings import Settings

SKIP_AFTER_TIMEOUT_S = 1.0


class RedisStalled(redis.ConnectionError):
    """Redis timed out a moment ago in this process: not waiting for it again yet."""


class _Skip:
    until = 0.0

    @classmethod
    def check(cls) -> None:
        if time.monotonic() < cls.until:
            raise RedisStalled("Redis timed out a moment ago; not waiting for it again yet")

    @classmethod
    def trip(cls) -> None:
        cls.until = time.monotonic() + SKIP_AFTER_TIMEOUT_S


class _Bounded:
    """Mixed into redis-py's connection classes: every command passes the check, and a read that times out
    starts the skip."""

    def send_packed_command(self, command, check_health=True):
        _Skip.check()
        return super().send_packed_command(command, check_health)

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except redis.TimeoutError:
            _Skip.trip()
            raise


class _Connection(_Bounded, redis.Connection):
    pass


class _SSLConnection(_Bounded, redis.SSLConnection):
    pass


class RedisClient:
    """Lazily built `redis.Redis` for rate limits, locks and health checks (replies as text), and one for
    binary values (`binary`, replies as bytes)."""

    def __init__(self) -> None:
        self._url: str | None = None
        self._timeout_s = 0.5
        self._clients: dict[bool, redis.Redis] = {}
        self._pid: int | None = None

    def configure(self, settings: Settings) -> None:
        if (settings.redis_url, settings.redis_timeout_ms / 1000) != (self._url, self._timeout_s):
            self._url, self._timeout_s = settings.redis_url, settings.redis_timeout_ms / 1000
            if self._pid == os.getpid():
                for client in self._clients.values():
                    client.close()  # its pool's sockets; a client from another process is not ours
            self._clients = {}

    def _get(self, decode: bool) -> redis.Redis:
        if self._url is None:
            raise RuntimeError("Redis is not configured; build the process's runtime (shared.runtime) first")
        if self._pid != os.getpid():
            self._clients, self._pid = {}, os.getpid()
        if decode not in self._clients:
            tls = urlsplit(self._url).scheme == "rediss"
            self._clients[decode] = redis.Redis.from_url(
                self._url,
                connection_class=_SSLConnection if tls else _Connection,
                socket_timeout=self._timeout_s,
                socket_connect_timeout=self._timeout_s,
                # One immediate retry: a pooled connection a restarted Redis reset reconnects. No more:
                # redis-py's default (three, with backoff) multiplies the wait on a stalled Redis.
                retry=Retry(NoBackoff(), 1),
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
