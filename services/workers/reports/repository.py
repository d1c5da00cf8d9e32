"""Reading a report's inputs and moving the report through its states (the only module here on pymongo)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from shared import events, files, summaries, users
from shared.mongo import mongo
from shared.plans import store as plans_store
from shared.reports import BUILDING, COLLECTION, FAILED, FILES_BUCKET, QUEUED, READY, released

NOTE_FIELDS = {"user_id": 1, "occurred_at": 1, "local_day": 1, "data": 1, "deleted_at": 1}


def find_report(report_id: str) -> dict | None:
    return mongo.db[COLLECTION].find_one({"_id": report_id})


def claim(report_id: str, attempt: int, now: datetime, builder: str | None = None) -> bool:
    """Take attempt `attempt` of this report for the task `builder` and mark it building. The conditional
    update is the claim: of the workers that read the report before it, exactly one moves its attempts on."""
    previous = [attempt - 1, None] if attempt == 1 else [attempt - 1]  # None: a report never attempted
    result = mongo.db[COLLECTION].update_one(
        {"_id": report_id, "attempts": {"$in": previous}},
        {"$set": {"status": BUILDING, "attempts": attempt, "updated_at": now, "builder": builder}},
    )
    return result.modified_count == 1


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
    files.put(FILES_BUCKET, file_id, io.BytesIO(content), filename, metadata, keys=keys)
    return file_id


def drop_files(report_id: str) -> None:
    files.delete_where(FILES_BUCKET, {"metadata.report_id": report_id})


def find_user(user_id: str) -> dict | None:
    return users.find(user_id, {"display_name": 1, "time_zone": 1})


def find_plan(user_id: str) -> dict | None:
    """The newest version of the person's taper plan (the plans store owns the collection)."""
    return plans_store.current(user_id)


def find_person(user_id: str) -> dict | None:
    return summaries.find_person(user_id)


def days_between(user_id: str, start: str, end: str, person: dict | None = None) -> list[dict]:
    return summaries.summary_days(user_id, start, end, person)


def notes_between(user_id: str, start: str, end: str) -> list[dict[str, Any]]:
    """The person's live note events in the period (free text still sealed)."""
    return events.live_notes_between(user_id, start, end, NOTE_FIELDS)
