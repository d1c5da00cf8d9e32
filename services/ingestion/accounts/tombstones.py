"""Tombstones of an erased account's device tokens: a device still signed in is told that its account was
erased, not asked to sign in again (which could not bring it back).

A tombstone is a Redis key named by a token's SHA-256, the only form of the token ever stored, holding
nothing about the person; it expires after KEEP_S. Without one (expired, or Redis lost it), the answer is
the ordinary 401.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import redis

from shared.redis_client import redis_client

PREFIX = "auth:erased:"
KEEP_S = 90 * 24 * 3600  # long enough for a phone left unopened for a season to sync once more


def bury(token_hashes: Iterable[str]) -> None:
    """Mark these tokens as belonging to an erased account (before their devices are deleted)."""
    pipe = redis_client.client.pipeline(transaction=False)
    for token_hash in token_hashes:
        pipe.set(PREFIX + token_hash, "1", ex=KEEP_S)
    pipe.execute()


def buried(token_hash: str) -> bool:
    """Whether this token's account was erased; False when Redis cannot say (the ordinary 401 follows)."""
    with contextlib.suppress(redis.RedisError):
        return bool(redis_client.client.exists(PREFIX + token_hash))
    return False
