"""A per-person lock in Redis, so two workers never recompute the same person at the same time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from shared.redis_client import redis_client

TTL_S = 120  # longer than any recompute; a lock whose worker died frees itself after this

# Delete the key only if it still holds our token (another worker may own it after expiry).
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


@contextmanager
def person_lock(user_id: str) -> Iterator[bool]:
    key, token = f"summaries:lock:{user_id}", uuid.uuid4().hex
    acquired = bool(redis_client.client.set(key, token, nx=True, ex=TTL_S))
    try:
        yield acquired
    finally:
        if acquired:
            redis_client.client.eval(_RELEASE, 1, key, token)
