"""A per-process cache of signed-in devices, so each API call does not cost two database reads.

Correctness comes from Redis, not from the cache's age: any change to a person's account (a device
revoked, the profile edited, the account erased) stamps `auth:changed:{user_id}` with the time, and a
cached entry older than that stamp is dropped at once, in every process. A Redis that lost all its keys (a
restart without persistence, a flush) would lose the stamps too, so each entry also holds the token that
`auth:epoch` held before the database was read; once that key is gone or holds another, every entry is
stale (`SET ... NX GET`: Redis 7.0 or later). If Redis cannot be asked, the cache is bypassed and the
database decides. A write endpoint's rate limit can be counted in that same Redis call (`counting`), so a
cached sign-in and the write limit cost one round trip together.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis

from shared.ratelimit import Decision, Limit, hit_all_unless_stamped
from shared.redis_client import redis_client

# The age limit bounds how long an entry is trusted if its stamp were lost some way the epoch does not catch
# (a Redis that lost only its last writes: a crash with AOF synced every second, a failover to a replica).
TTL_S = 30
MAX_ENTRIES = 20_000
EPOCH_KEY = "auth:epoch"
_lock = threading.Lock()


@dataclass(frozen=True)
class Reading:
    """When a sign-in was read from the database, and the Redis epoch it was read in."""

    at: float
    epoch: str


_entries: dict[str, tuple[Reading, float, dict, dict]] = {}  # token hash -> (reading, expires, user, device)


def _changed_key(user_id: str) -> str:
    return f"auth:changed:{user_id}"


def reading() -> Reading | None:
    """Taken before the database is read, so a change stamped during the read makes the entry stale. None
    when Redis cannot be asked: nothing is cached then."""
    try:
        # SET NX GET: the epoch already there, or None when this call just made it.
        fresh = uuid.uuid4().hex
        held = redis_client.client.set(EPOCH_KEY, fresh, nx=True, get=True)
    except redis.RedisError:
        return None
    return Reading(time.time(), held or fresh)


def get(
    token_hash: str, counting: Callable[[], Sequence[Limit]] | None = None
) -> tuple[dict, dict, Decision | None] | None:
    """(user, device, decision) of a cached sign-in that is still good, else None. `counting()`, asked only
    once the sign-in is found here, names the rate limits the request will meet; they are counted for the
    person with the stamp check (nothing is counted if the entry is stale), and `decision` is theirs."""
    entry = _entries.get(token_hash)
    if entry is None:
        return None
    read, expires, user, device = entry
    if time.time() < expires:
        limits = counting() if counting else ()
        stamp, epoch = (_changed_key(user["_id"]), read.at), (EPOCH_KEY, read.epoch)
        try:
            if limits:
                decision = hit_all_unless_stamped(limits, user["_id"], stamp, epoch)
                if decision is not None:
                    return user, device, decision
            else:
                changed, held = redis_client.client.mget(stamp[0], EPOCH_KEY)
                if (changed is None or float(changed) < read.at) and held == read.epoch:
                    return user, device, None
        except redis.RedisError:
            pass  # unknown: trust only the database
    _entries.pop(token_hash, None)
    return None


def put(token_hash: str, user: dict, device: dict, read: Reading | None) -> None:
    if read is None:
        return
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()  # rare; a full cache just starts again
        _entries[token_hash] = (read, time.time() + TTL_S, user, device)


def account_changed(user_id: str) -> None:
    """Invalidate every process's cached sign-ins of this person (call after the change is stored)."""
    redis_client.client.set(_changed_key(user_id), repr(time.time()), ex=TTL_S * 2)
    with _lock:
        for key in [k for k, v in _entries.items() if v[2]["_id"] == user_id]:
            _entries.pop(key, None)


def account_erased(user_id: str) -> None:
    """Invalidate every process's cached sign-ins after an erasure, leaving no key that names the person: the
    person's stamp is deleted and a new epoch makes every cached entry stale at once (erasures are rare;
    each process reads each token from the database once more)."""
    redis_client.client.delete(_changed_key(user_id), EPOCH_KEY)
    with _lock:
        for key in [k for k, v in _entries.items() if v[2]["_id"] == user_id]:
            _entries.pop(key, None)
