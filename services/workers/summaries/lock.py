"""A per-person lock in Redis, so two workers never recompute the same person at the same time.

Locks are short and kept alive while their task runs: a thread in each worker process renews every lock
the process holds a few times per TTL. A process that dies (SIGKILL, a lost machine) stops renewing, so
its people are free again within one TTL instead of waiting out a TTL sized for the longest recompute.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from shared.redis_client import redis_client

log = logging.getLogger(__name__)

TTL_S = 15  # a dead holder's people wait at most this long; a live holder renews every TTL_S / 3

# Delete the key only if it still holds our token (another worker may own it after expiry).
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"
_RENEW = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "else return 0 end"
)


class _Keeper:
    """The renewing thread of one process (started on first use: a forked pool process gets its own)."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[str, int]] = {}  # key -> (token, ttl in ms)
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.wake = threading.Event()

    def hold(self, key: str, token: str, ttl_s: float) -> None:
        with self.lock:
            self.held[key] = (token, int(ttl_s * 1000))
            if self.pid != os.getpid():
                self.pid = os.getpid()
                threading.Thread(target=self._run, name="summaries-lock-keeper", daemon=True).start()
        self.wake.set()

    def drop(self, key: str) -> None:
        with self.lock:
            self.held.pop(key, None)

    def _run(self) -> None:
        while True:
            with self.lock:
                held = dict(self.held)
            interval = min((ttl for _, ttl in held.values()), default=TTL_S * 1000) / 3000
            for key, (token, ttl_ms) in held.items():
                try:
                    redis_client.client.eval(_RENEW, 1, key, token, ttl_ms)
                except redis.RedisError:  # Redis away: the next round tries again; the TTL covers a short gap
                    log.warning("could not renew a summaries lock")
            self.wake.wait(interval)
            self.wake.clear()


_keeper = _Keeper()


@contextmanager
def person_lock(user_id: str, ttl_s: float = TTL_S) -> Iterator[bool]:
    key, token = f"summaries:lock:{user_id}", uuid.uuid4().hex
    acquired = bool(redis_client.client.set(key, token, nx=True, px=int(ttl_s * 1000)))
    if acquired:
        _keeper.hold(key, token, ttl_s)
    try:
        yield acquired
    finally:
        if acquired:
            _keeper.drop(key)
            redis_client.client.eval(_RELEASE, 1, key, token)
