"""Where a recompute reads its events: the recent days cached in Redis when every day it needs is complete
there, else MongoDB, which then refills the cache (shared/day_cache.py says why this is exact)."""

from __future__ import annotations

import logging

import redis

from services.workers.summaries import repository
from shared import day_cache

log = logging.getLogger(__name__)


def _run() -> str | None:
    try:
        return day_cache.run_id()
    except redis.RedisError:
        return None


def events_for(
    todays: dict[str, str], jobs: dict[str, str | None], full: set[str] | frozenset[str] = frozenset()
) -> dict[str, list[dict]]:
    """Each person's live events on or after their day (person id -> from_day; None: every day).
    `todays` gives each person's local today; people in `full` are read from MongoDB whatever the cache
    holds (an earlier write could not reach it)."""
    run = _run()
    horizon = {user_id: day_cache.cached_days(today) for user_id, today in todays.items()}
    found: dict[str, list[dict]] = {}
    if run:
        wanted = {
            user_id: [day for day in horizon[user_id] if day >= since]
            for user_id, since in jobs.items()
            if user_id in todays and user_id not in full and since and since >= horizon[user_id][0]
        }
        try:
            found = day_cache.read(wanted, run)
        except redis.RedisError:
            run = None
    slow = [user_id for user_id in todays if user_id not in found]
    if not slow:
        return found
    if run:
        try:
            day_cache.clear({user_id: horizon[user_id] for user_id in slow})  # before the read
        except redis.RedisError:
            run = None
    # From the first cached day at the latest, to refill every cached day.
    reads = {u: None if jobs[u] is None else min(jobs[u], horizon[u][0]) for u in slow}
    events = repository.events_of(reads)
    for user_id in slow:
        if run:
            try:
                day_cache.fill(user_id, horizon[user_id], events[user_id], run)
            except redis.RedisError as exc:
                run = None
                log.warning("recent days not cached", extra={"reason": str(exc)[:200]})
        first = jobs[user_id]
        found[user_id] = [e for e in events[user_id] if first is None or e["local_day"] >= first]
    return found
