"""A short per-process cache of signed-in devices, so each API call does not cost two database reads.

Correctness comes from Redis, not from the cache's age: any change to a person's account (a device
revoked, the profile edited, the account erased) stamps `auth:changed:{user_id}` with the time, and a
cached entry older than that stamp is dropped at once, in every process. If Redis cannot be asked, the
cache is bypassed and the database decides.
"""

from __future__ import annotations

import threading
import time

import redis

from shared.redis_client import redis_client

TTL_S = 30
MAX_ENTRIES = 20_000
_lock = threading.Lock()
_entries: dict[str, tuple[float, float, dict, dict]] = {}  # token hash -> (cached at, expires, user, device)


def _changed_key(user_id: str) -> str:
    return f"auth:changed:{user_id}"


def get(token_hash: str) -> tuple[dict, dict] | None:
    entry = _entries.get(token_hash)
    if entry is None:
        return None
    cached_at, expires, user, device = entry
    if time.time() < expires:
        try:
            changed = redis_client.client.get(_changed_key(user["_id"]))
        except redis.RedisError:
            changed = str(time.time())  # unknown: trust only the database
        if changed is None or float(changed) < cached_at:
            return user, device
    _entries.pop(token_hash, None)
    return None


def put(token_hash: str, user: dict, device: dict) -> None:
    now = time.time()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # rare; a full cache just starts again
        _entries[token_hash] = (now, now + TTL_S, user, device)


def account_changed(user_id: str) -> None:
    """Invalidate every process's cached sign-ins of this person (call after the change is stored)."""
    redis_client.client.set(_changed_key(user_id), repr(time.time()), ex=TTL_S * 2)
    with _lock:
        for key in [k for k, v in _entries.items() if v[2]["_id"] == user_id]:
            _entries.pop(key, None)
