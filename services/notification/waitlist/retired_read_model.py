"""The admin list's former Redis read model, removed in favour of indexed queries (docs/admin.md).

It held a copy of every entry's address and name under `waitlist:index:`, without an expiry, and erasure no
longer looks there: so a process of this version deletes whatever a former one left, once, at start.
"""

from __future__ import annotations

import logging

import redis

from shared.redis_client import redis_client

log = logging.getLogger(__name__)
PATTERN = "waitlist:index:*"
BATCH = 1000


def forget() -> int:
    """Delete the former read model's keys; the number deleted. Redis being down only postpones it to the
    next start (the copy is unreachable from the app meanwhile)."""
    client = redis_client.client
    deleted, keys = 0, []
    try:
        for key in client.scan_iter(match=PATTERN, count=BATCH):
            keys.append(key)
            if len(keys) == BATCH:
                deleted, keys = deleted + client.unlink(*keys), []
        if keys:
            deleted += client.unlink(*keys)
    except redis.RedisError as exc:
        log.warning("the former admin list copy was not deleted yet", extra={"reason": type(exc).__name__})
    return deleted
