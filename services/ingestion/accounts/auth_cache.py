"""A short per-process cache of signed-in devices, so each API call does not cost two database reads.

Correctness comes from Redis, not from the cache's age: any change to a person's account (a device
revoked, the profile edited, the account erased) stamps `auth:changed:{user_id}` with the time, and a
cached entry older than that stamp is dropped at once, in every process. If Redis cannot be asked, the
cache is bypassed and the database decides. A write endpoint's rate limit can be counted in that same
Redis call (`counting`), so a cached sign-in and the write limit cost one round trip together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import redis

from shared.ratelimit import Decision, Limit, hit_all_unless_stamped
from shared.redis_client import redis_client

TTL_S = 30
MAX_ENTRIES = 20_000
_lock = threading.Lock()
_entries: dict[str, tuple[float, float, dict, dict]] = {}  # token hash -> (cached at, expires, user, device)


def _changed_key(user_id: str) -> str:
    return f"auth:changed:{user_id}"


def get(
    token_hash: str, counting: Callable[[], Sequence[Limit]] | None = None
) -> tuple[dict, dict, Decision | None] | None:
    """(user, device, decision) of a cached sign-in that is still good, else None. `counting()`, asked only
    once the sign-in is found here, names the rate limits the request will meet; they are counted for the
    person with the stamp check (nothing is counted if the entry is stale), and `decision` is theirs."""
    entry = _entries.get(token_hash)
    if entry is None:
        return None
    cached_at, expires, user, device = entry
    if time.time() < expires:
        limits = counting() if counting else ()
        try:
            if limits:
                decision = hit_all_unless_stamped(limits, user["_id"], _changed_key(user["_id"]), cached_at)
                if decision is not None:
                    return user, device, decision
            else:
                changed = redis_client.client.get(_changed_key(user["_id"]))
                if changed is None or float(changed) < cached_at:
                    return user, device, None
        except redis.RedisError:
            pass  # unknown: trust only the database
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
