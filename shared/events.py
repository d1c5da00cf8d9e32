"""The `events` collection, read and written only through this module: ingestion stores and deletes
events; the workers read them (a recompute's source events, a report's notes and timed entries, the
reminders' check).
A regular collection with a permanent unique (user_id, event_id) index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError, WriteError
from pymongo.write_concern import WriteConcern

from shared import event_text, rekey
from shared.group_commit import GroupCommit
from shared.mongo import mongo, one_or_in

EVENTS = "events"
DUPLICATE_KEY = 11000
# Clients do not resend after a 2xx, so an accepted event must be on a majority of nodes first.
DURABLE = WriteConcern(w="majority", j=True)


# The durable handle of the current client, built once rather than per write (a new client, after a fork or a
# reconfiguration, gets its own). Clients compare equal by address, so identity is checked here.
_durable: dict[str, Any] = {}


def _events() -> Collection:
    client = mongo.client
    if _durable.get("client") is not client:
        _durable.update(client=client, events=mongo.db.get_collection(EVENTS, write_concern=DURABLE))
    return _durable["events"]


def ensure_indexes() -> None:
    events = mongo.db[EVENTS]
    events.create_index([("user_id", ASCENDING), ("event_id", ASCENDING)], unique=True)
    events.create_index([("user_id", ASCENDING), ("occurred_at", DESCENDING)])
    events.create_index([("user_id", ASCENDING), ("local_day", ASCENDING)])


def insert_each(docs: list[dict[str, Any]]) -> dict[int, BaseException]:
    """Insert all it can (unordered); the failures by position, a duplicate (user_id, event_id) as
    DuplicateKeyError. A write concern error fails them all: none is known to be durable."""
    if len(docs) == 1:  # insert_one skips the bulk-write machinery
        try:
            _events().insert_one(docs[0])
        except DuplicateKeyError as exc:
            return {0: exc}
        return {}
    try:
        _events().insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if exc.details.get("writeConcernErrors"):
            raise
        return {
            e["index"]: (DuplicateKeyError if e.get("code") == DUPLICATE_KEY else WriteError)(
                e.get("errmsg", "write error"), e.get("code"), e
            )
            for e in exc.details.get("writeErrors", [])
        }
    return {}


# One per process: the request threads of a gunicorn worker share its writes (see group_commit).
_single = GroupCommit(insert_each)


def insert_many(docs: list[dict[str, Any]]) -> set[int]:
    """Insert all it can (unordered); return the positions refused as duplicate (user_id, event_id). A
    single event joins the process's group commit."""
    if len(docs) == 1:
        try:
            _single.insert(docs[0])
        except DuplicateKeyError:
            return {0}
        return set()
    failures = insert_each(docs) if docs else {}
    for error in failures.values():
        if not isinstance(error, DuplicateKeyError):
            raise error
    return set(failures)


def find_by_ids(user_id: str, event_ids: list[str]) -> dict[str, dict]:
    cursor = mongo.db[EVENTS].find(
        {"user_id": user_id, "event_id": {"$in": event_ids}},
        {"fingerprint": 1, "event_id": 1, "local_day": 1, "occurred_at": 1, "deleted_at": 1},
    )
    return {doc["event_id"]: doc for doc in cursor}


def find_page(
    user_id: str,
    *,
    event_type: str | None,
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, Any] | None,
    limit: int,
) -> list[dict]:
    """Newest first, keyset-paginated on (occurred_at, _id)."""
    query: dict[str, Any] = {"user_id": user_id, "deleted_at": None}
    if event_type:
        query["type"] = event_type
    window: dict[str, datetime] = {}
    if start:
        window["$gte"] = start
    if end:
        window["$lt"] = end
    if window:
        query["occurred_at"] = window
    if after:
        at, last_id = after
        query["$or"] = [{"occurred_at": {"$lt": at}}, {"occurred_at": at, "_id": {"$lt": last_id}}]
    cursor = (
        mongo.db[EVENTS].find(query).sort([("occurred_at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
    )
    return list(cursor)


def tombstone(user_id: str, event_id: str, now: datetime) -> dict | None:
    """Delete an event's content but keep its id, so an offline phone resending it cannot bring it back."""
    doc = mongo.db[EVENTS].find_one({"user_id": user_id, "event_id": event_id, "deleted_at": None})
    if doc is None:
        return None
    keep = {"_id", "user_id", "event_id", "fingerprint", "local_day", "type", "deleted_at"}
    unset = {key: "" for key in doc if key not in keep}
    _events().update_one(
        {"_id": doc["_id"], "deleted_at": None}, {"$set": {"deleted_at": now}, "$unset": unset}
    )
    return doc


def live_since(jobs: dict[str, str | None], fields: dict) -> dict[str, list[dict]]:
    """Each person's live events on or after their day (all of them when None), in one query: one $in on
    the person and the earliest day, each person's own day applied here."""
    days = list(jobs.values())
    query: dict[str, Any] = {"deleted_at": None} | one_or_in("user_id", list(jobs))
    if all(days):
        query["local_day"] = {"$gte": min(days)}
    found: dict[str, list[dict]] = {u: [] for u in jobs}
    for doc in mongo.db[EVENTS].find(query, fields | {"user_id": 1, "local_day": 1}):
        since = jobs[doc["user_id"]]
        if since is None or doc["local_day"] >= since:
            found[doc["user_id"]].append(doc)
    return found


def first_day(user_id: str) -> str | None:
    """The person's first local day with a live entry (None before any), from the (user_id, local_day)
    index."""
    query = {"user_id": user_id, "deleted_at": None}
    first = mongo.db[EVENTS].find_one(query, {"local_day": 1}, sort=[("local_day", ASCENDING)])
    return first["local_day"] if first else None


def any_live_on(user_id: str, day: str) -> bool:
    """Whether the person has a live event on this local day."""
    stored = mongo.db[EVENTS].find({"user_id": user_id, "local_day": day}, {"deleted_at": 1})
    return any(event.get("deleted_at") is None for event in stored)


def live_between(user_id: str, types: list[str], start: str, end: str, fields: dict) -> list[dict]:
    """The person's live events of these types on the local days from `start` to `end`."""
    period = {"$gte": start, "$lte": end}
    query = {"user_id": user_id, "local_day": period, "deleted_at": None} | one_or_in("type", types)
    return list(mongo.db[EVENTS].find(query, fields))


# A day with more dose entries than this is not a real day's log; the adherence view reads no further.
MAX_DOSE_ENTRIES = 20_000


def taken_by_day(user_id: str, first_day: str, last_day: str) -> dict[str, dict[str, float]]:
    """mg taken per local day and catalogue medication, from the dose entries (for planned versus logged)."""
    query = {
        "user_id": user_id,
        "type": "dose",
        "deleted_at": None,
        "local_day": {"$gte": first_day, "$lte": last_day},
        "data.status": "taken",
        "data.medication": {"$ne": None},
    }
    cursor = mongo.db[EVENTS].find(query, {"local_day": 1, "data.medication": 1, "data.amount_mg": 1})
    out: dict[str, dict[str, float]] = {}
    for doc in cursor.limit(MAX_DOSE_ENTRIES):
        day = out.setdefault(doc["local_day"], {})
        code = doc["data"]["medication"]
        day[code] = round(day.get(code, 0.0) + doc["data"]["amount_mg"], 4)
    return out


def dose_statuses(user_id: str, event_ids: list[str]) -> dict[str, str]:
    """The status (taken or skipped) of those of these dose events that are recorded and live."""
    if not event_ids:
        return {}
    query = {"user_id": user_id, "deleted_at": None} | one_or_in("event_id", event_ids)
    found = mongo.db[EVENTS].find(query, {"event_id": 1, "data.status": 1})
    return {doc["event_id"]: doc["data"].get("status", "taken") for doc in found}


def reseal(keys: str, batch: int = rekey.BATCH) -> dict[str, rekey.Tally]:
    """Re-seal the events' free text under the first key (the key-rotation job; shared/rekey.py)."""
    fields = {f"data.{name}": 1 for name in event_text.PRIVATE_FIELDS}
    return {EVENTS: rekey.reseal_documents(_events(), keys, fields, batch)}
