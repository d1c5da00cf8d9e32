"""Reading a report's inputs and moving the report through its states (the only module here on pymongo)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from shared import files, summaries
from shared.mongo import mongo
from shared.plans import store as plans_store
from shared.reports import BUILDING, COLLECTION, FAILED, FILES_BUCKET, QUEUED, READY, released
from shared.summaries import day_id, recent_days_between, with_open_days

CLAIMS = "report_claims"
NOTE_FIELDS = {"user_id": 1, "occurred_at": 1, "local_day": 1, "data": 1, "deleted_at": 1}


def find_report(report_id: str) -> dict | None:
    return mongo.db[COLLECTION].find_one({"_id": report_id})


def claim(report: dict, attempt: int, now: datetime) -> bool:
    """Take attempt `attempt` of this report. FerretDB 1.x does not isolate concurrent updates of one
    document, so the claim is an insert under a deterministic id: exactly one inserter wins."""
    try:
        mongo.db[CLAIMS].insert_one(
            {
                "_id": f"{report['_id']}#{attempt}",
                "report_id": report["_id"],
                "user_id": report["user_id"],
                "claimed_at": now,
            }
        )
    except DuplicateKeyError:
        return False
    return True


def mark_building(report_id: str, attempt: int, now: datetime) -> None:
    mongo.db[COLLECTION].update_one(
        {"_id": report_id}, {"$set": {"status": BUILDING, "attempts": attempt, "updated_at": now}}
    )


def release(report_id: str, reason: str, now: datetime) -> None:
    """Back to queued after a failed attempt, for the retry to claim the next one."""
    mongo.db[COLLECTION].update_one(
        {"_id": report_id}, {"$set": {"status": QUEUED, "reason": reason, "updated_at": now}}
    )


def mark_failed(report_id: str, reason: str, now: datetime) -> None:
    """Failed for good; the person may ask for another report."""
    mongo.db[COLLECTION].update_one(
        {"_id": report_id},
        {"$set": {"status": FAILED, "reason": reason, "updated_at": now, **released(report_id)}},
    )


def mark_ready(report_id: str, stored: dict[str, str], now: datetime) -> dict | None:
    """The ready report, or None if it was erased while it was being built. The person may ask for another."""
    ready = {"status": READY, "files": stored, "reason": None, "updated_at": now, "ready_at": now}
    result = mongo.db[COLLECTION].update_one({"_id": report_id}, {"$set": ready | released(report_id)})
    return find_report(report_id) if result.matched_count else None


def store_file(report: dict, attempt: int, kind: str, content: bytes, filename: str, *, keys: str) -> str:
    """Store one file, sealed with `keys`, under an id naming the claimed attempt (no one else's)."""
    file_id = f"{report['_id']}#{attempt}.{kind}"
    metadata = {"user_id": report["user_id"], "report_id": report["_id"], "kind": kind}
    files.put(FILES_BUCKET, file_id, io.BytesIO(content), filename, metadata, keys=keys, fresh=True)
    return file_id


def drop_files(report_id: str) -> None:
    files.delete_where(FILES_BUCKET, {"metadata.report_id": report_id})


def find_user(user_id: str) -> dict | None:
    return mongo.db.users.find_one({"_id": user_id}, {"display_name": 1, "time_zone": 1})


def find_plan(user_id: str) -> dict | None:
    """The newest version of the person's taper plan (the plans store owns the collection)."""
    return plans_store.current(user_id)


def find_person(user_id: str) -> dict | None:
    return summaries.find_person(user_id)


def days_between(user_id: str, start: str, end: str, person: dict | None = None) -> list[dict]:
    """The stored day summaries from `start` to `end`: from the person's `recent_days` when they cover
    the range (one document already read), else by their ids (on FerretDB a range query reads the whole
    collection, while a lookup by _id does not), with the days only the person's document holds."""
    recent = recent_days_between(person, start, end)
    if recent is not None:
        return recent
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    days = ((first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1))
    found = (mongo.db.day_summaries.find_one({"_id": day_id(user_id, day)}) for day in days)
    return with_open_days([doc for doc in found if doc is not None], person, start, end)


def notes_between(user_id: str, start: str, end: str, days: list[dict]) -> list[dict[str, Any]]:
    """The person's live note events in the period (free text still sealed). The period's day summaries
    list their notes' ids, so each is read by _id; days summarised before they did are queried instead."""
    period = [d for d in days if start <= d["day"] <= end]
    if any("notes" not in d and d.get("logged", {}).get("note") for d in period):
        query = {
            "user_id": user_id,
            "type": "note",
            "local_day": {"$gte": start, "$lte": end},
            "deleted_at": None,
        }
        return list(mongo.db.events.find(query, NOTE_FIELDS))
    ids = [note_id for d in period for note_id in d.get("notes", ())]
    found = (mongo.db.events.find_one({"_id": ObjectId(note_id)}, NOTE_FIELDS) for note_id in ids)
    # By _id alone (the lookup FerretDB pushes down); ownership and deletion are checked here.
    return [n for n in found if n and n["user_id"] == user_id and n.get("deleted_at") is None]
