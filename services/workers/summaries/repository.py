"""MongoDB access for summaries: the people and their source events in (what is stored of the summaries
belongs to shared/summaries.py)."""

from __future__ import annotations

import os

from shared import events, summaries, users

EVENT_FIELDS = {
    "event_id": 1,
    "type": 1,
    "occurred_at": 1,
    "local_day": 1,
    "data": 1,
    "red_flag": 1,
    "known_code": 1,
}


_indexed_pids: set[int] = set()


def ensure_indexes() -> None:
    """Create the indexes once per process, on first use (a worker may start while MongoDB is down)."""
    if os.getpid() in _indexed_pids:
        return
    summaries.ensure_indexes()
    _indexed_pids.add(os.getpid())


USER_FIELDS = {"time_zone": 1, "email": 1, "display_name": 1, "language": 1}


def find_users(user_ids: list[str]) -> dict[str, dict]:
    return users.find_many(user_ids, USER_FIELDS)


def user_ids(after: str | None, limit: int) -> list[str]:
    return users.ids_after(after, limit)


def events_of(jobs: dict[str, str | None]) -> dict[str, list[dict]]:
    """Each person's live events on or after their day (all of them when None), in one query."""
    return events.live_since(jobs, EVENT_FIELDS)
