"""MongoDB access for summaries: source events in; compact per-day documents and a per-person one out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import redis
from pymongo import ASCENDING

from shared import users
from shared.mongo import mongo, one_or_in
from shared.redis_client import redis_client
from shared.summaries import PERSONS, REWRITE_MARK_S, day_id, pack_days, rewriting_key, unpack_days

DAYS = "day_summaries"
# A copy of each person's day documents, packed into one document per person (`_id` = the person), which
# the recompute reads instead of the day documents: FerretDB 1.x decodes a whole collection for any query
# but one by `_id`, ~0.7 ms per stored day document (a batch's read of 730 of them took ~400 ms), while a
# copy is two fields. Only this module writes either, the copy after the days (see write_days_of), and
# only when the days change: the summary document names the copy it goes with (`days_at`).
DAY_COPIES = "day_summaries_packed"
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
    mongo.db[DAYS].create_index([("user_id", ASCENDING), ("day", ASCENDING)], unique=True)
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


@dataclass
class Stored:
    """What is stored of one person's summaries, as a recompute needs it."""

    days: dict[str, dict] = field(default_factory=dict)  # their day documents, by day
    open_from: str | None = None  # the first day only their summary document holds (its `today`)
    copy_at: datetime | None = None  # the packed copy's stamp, when it was the copy the days came from
    params: str | None = None  # the fingerprint of the detector and parameters their summary was built with


def stored_days_of(user_ids: list[str]) -> dict[str, Stored]:
    """Each person's stored day documents: from their packed copy when their summary document names it
    (`days_at`, the stamp of the write that last changed their days), else from the day documents
    themselves, in one query (see events_of). A copy the summary does not name may differ from the days:
    a crash between the two writes, or a worker of a version that kept no copies."""
    found = {u: Stored() for u in user_ids}
    persons = mongo.db[PERSONS].find(
        one_or_in("_id", user_ids), {"computed_at": 1, "days_at": 1, "today": 1, "params": 1}
    )
    named = {}
    for person in persons:
        found[person["_id"]].open_from = person.get("today")
        found[person["_id"]].params = person.get("params")
        # Summaries written before `days_at` existed were written with their copy every time.
        named[person["_id"]] = person.get("days_at", person.get("computed_at"))
    for copy in mongo.db[DAY_COPIES].find(one_or_in("_id", user_ids)) if named else ():
        if copy.get("computed_at") and copy["computed_at"] == named.get(copy["_id"]):
            found[copy["_id"]].days = {doc["day"]: doc for doc in unpack_days(copy["days"])}
            found[copy["_id"]].copy_at = copy["computed_at"]
    if missing := [u for u, stored in found.items() if stored.copy_at is None]:
        for doc in mongo.db[DAYS].find(one_or_in("user_id", missing)):
            found[doc["user_id"]].days[doc["day"]] = doc
    for stored in found.values():
        if stored.open_from is None and stored.days:
            # No summary document (a crash between its delete and its insert): every day has a document
            # up to the last one stored, and the days after it only the lost summary held.
            stored.open_from = (date.fromisoformat(max(stored.days)) + timedelta(days=1)).isoformat()
    return found


# FerretDB 1.24 (SQLite) never answers an update command of 100 or more statements that match stored
# documents, and stalls every other client meanwhile; smaller bulk writes are fine (so is MongoDB).
WRITE_CHUNK = 50


def write_days_of(
    changes: dict[str, tuple[list[dict], list[str]]], after: dict[str, list[dict]], computed_at: datetime
) -> None:
    """Store day documents for one or more people: per person, (the new or changed documents, the stored days
    they replace or that no longer exist), and in `after` all of each person's day documents once written,
    for their packed copy, stamped `computed_at`; their summary documents, written next (write_persons),
    name that stamp as their `days_at`. Only stored days are deleted: on FerretDB 1.x a delete decodes the
    whole collection.

    As one delete and one insert per WRITE_CHUNK, not an upsert per day: FerretDB 1.x applies each
    replacement as a scan plus a write (about 12 ms a day), which made a year's rebuild take seconds. A
    reader in between may miss those days for a moment; a crash in between leaves the person's recompute
    request pending, so the next run restores them. The copies are removed first and written last, so a
    crash in between leaves no copy behind that differs from the days: the next run reads the days."""
    people = list(after)
    for start in range(0, len(people), WRITE_CHUNK):
        mongo.db[DAY_COPIES].delete_many(one_or_in("_id", people[start : start + WRITE_CHUNK]))
    ids, docs = [], []
    for user_id, (changed, stale) in changes.items():
        ids += [day_id(user_id, day) for day in stale]
        docs += [_day_document(user_id, d) for d in changed]
    for start in range(0, len(ids), WRITE_CHUNK):
        mongo.db[DAYS].delete_many(one_or_in("_id", ids[start : start + WRITE_CHUNK]))
    for start in range(0, len(docs), WRITE_CHUNK):
        mongo.db[DAYS].insert_many(docs[start : start + WRITE_CHUNK], ordered=False)
    copies = [
        # Level 1: a year of days packs in ~5 ms, to a tenth of its size.
        {"_id": u, "computed_at": computed_at, "days": pack_days([_day_document(u, d) for d in after[u]], 1)}
        for u in people
    ]
    for start in range(0, len(copies), WRITE_CHUNK):
        mongo.db[DAY_COPIES].insert_many(copies[start : start + WRITE_CHUNK], ordered=False)


def _day_document(user_id: str, day: dict) -> dict:
    return {"_id": day_id(user_id, day["day"]), "user_id": user_id, **day}


def write_persons(docs: dict[str, dict]) -> None:
    """Store these people's summary documents as one delete and one insert per WRITE_CHUNK: FerretDB 1.x
    applies a replacement by parsing every person's document under its one write lock (~10 ms each with
    300 people stored), and a delete of many in one such pass. The people are marked meanwhile, so a
    reader meeting the moment in between waits for the new document (shared/summaries.find_person)."""
    ids = list(docs)
    for start in range(0, len(ids), WRITE_CHUNK):
        chunk = ids[start : start + WRITE_CHUNK]
        with _rewriting(chunk):
            mongo.db[PERSONS].delete_many(one_or_in("_id", chunk))
            mongo.db[PERSONS].insert_many([{"_id": u, **docs[u]} for u in chunk], ordered=False)


@contextmanager
def _rewriting(user_ids: list[str]) -> Iterator[None]:
    keys = [rewriting_key(u) for u in user_ids]
    try:
        pipe = redis_client.client.pipeline(transaction=False)
        for key in keys:
            pipe.set(key, "1", ex=REWRITE_MARK_S)
        pipe.execute()
    except redis.RedisError:
        keys = []  # readers may meet the moment unmarked: they then see no summary, briefly
    try:
        yield
    finally:
        if keys:
            with suppress(redis.RedisError):
                redis_client.client.delete(*keys)


def person_last_days() -> dict[str, str]:
    return {p["_id"]: p.get("today") for p in mongo.db[PERSONS].find({}, {"today": 1})}


def forget(user_id: str) -> None:
    mongo.db[DAY_COPIES].delete_one({"_id": user_id})
    mongo.db[DAYS].delete_many({"user_id": user_id})
    mongo.db[PERSONS].delete_one({"_id": user_id})
