"""MongoDB access for summaries: the people and their source events in (what is stored of the summaries
belongs to shared/summaries.py)."""

from __future__ import annotations

import os
from typing import Any

from shared import summaries, users
from shared.mongo import mongo, one_or_in

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


USER_FIELDS = {"time_zone": 1, "email": 1, "display_name": 1}


def find_users(user_ids: list[str]) -> dict[str, dict]:
    return users.find_many(user_ids, USER_FIELDS)


def user_ids(after: str | None, limit: int) -> list[str]:
    return users.ids_after(after, limit)


def events_of(jobs: dict[str, str | None]) -> dict[str, list[dict]]:
    """Each person's live events on or after their day (all of them when None), in one query: on
    FerretDB 1.x any query but one by _id decodes the whole collection, so one query for many people
    costs what one for a single person does. One $in and the earliest day, each person's own day applied
    here: FerretDB evaluates an $or of one branch per person against every document, which cost 2.5 times
    the scan itself for fifty people (on MongoDB both use the (user_id, local_day) index)."""
    days = list(jobs.values())
    query: dict[str, Any] = {"deleted_at": None} | one_or_in("user_id", list(jobs))
    if all(days):
        query["local_day"] = {"$gte": min(days)}
    found: dict[str, list[dict]] = {u: [] for u in jobs}
    for doc in mongo.db.events.find(query, EVENT_FIELDS | {"user_id": 1}):
        since = jobs[doc["user_id"]]
        if since is None or doc["local_day"] >= since:
            found[doc["user_id"]].append(doc)
    return found
