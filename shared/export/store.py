"""Export requests (collection `exports`) and their archives (GridFS bucket `exports`), kept 7 days.

The ingestion service records a request and sends `exports.build_export`; the workers claim it, store
the zip and mark it ready. FerretDB has no TTL indexes, so `exports.purge_expired` deletes old ones.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from shared import files, rekey
from shared.mongo import mongo

COLLECTION = "exports"
BUCKET = "exports"
KEEP_FOR = timedelta(days=7)
# A build claimed longer ago than this is presumed dead (its worker was lost) and may be claimed again.
STALE_BUILD = timedelta(minutes=15)
PENDING, BUILDING, READY, FAILED = "pending", "building", "ready", "failed"
IN_PROGRESS = (PENDING, BUILDING)


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("user_id", ASCENDING), ("requested_at", DESCENDING)])
    mongo.db[COLLECTION].create_index([("expires_at", ASCENDING)])
    mongo.db[f"{BUCKET}.files"].create_index([("metadata.user_id", ASCENDING)])


def create(user_id: str, now: datetime) -> dict:
    """A new pending request; it expires like a finished export, so an unbuilt one is purged too."""
    export = {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "status": PENDING,
        "requested_at": now,
        "expires_at": now + KEEP_FOR,
    }
    mongo.db[COLLECTION].insert_one(export)
    return export


def find(user_id: str, export_id: str) -> dict | None:
    """The person's own export; someone else's id finds nothing."""
    return mongo.db[COLLECTION].find_one({"_id": export_id, "user_id": user_id})


def find_in_progress(user_id: str) -> dict | None:
    for export in mongo.db[COLLECTION].find({"user_id": user_id}).sort("requested_at", DESCENDING).limit(5):
        if export["status"] in IN_PROGRESS:
            return export
    return None


def remove(export_id: str) -> None:
    mongo.db[COLLECTION].delete_one({"_id": export_id})


def claim(export_id: str, task_id: str, now: datetime) -> dict | None:
    """The conditional update is the claim: a redelivered or concurrent build gets None."""
    return mongo.db[COLLECTION].find_one_and_update(
        {
            "_id": export_id,
            "$or": [{"status": PENDING}, {"status": BUILDING, "claimed_at": {"$lt": now - STALE_BUILD}}],
        },
        {"$set": {"status": BUILDING, "claimed_at": now, "claimed_by": task_id}},
        return_document=ReturnDocument.AFTER,
    )


def store_archive(export: dict, source: Any, filename: str, keys: str) -> None:
    """Store the zip, sealed with `keys` (it holds every note in the clear inside)."""
    files.put(
        BUCKET,
        export["_id"],
        source,
        filename,
        metadata={"user_id": export["user_id"], "export_id": export["_id"]},
        keys=keys,
    )


def mark_ready(export_id: str, task_id: str, now: datetime, filename: str, size: int) -> bool:
    """False when the request vanished meanwhile (erased, or purged): the caller drops the file."""
    result = mongo.db[COLLECTION].update_one(
        {"_id": export_id, "status": BUILDING, "claimed_by": task_id},
        {
            "$set": {
                "status": READY,
                "ready_at": now,
                "expires_at": now + KEEP_FOR,
                "filename": filename,
                "size_bytes": size,
            }
        },
    )
    return result.modified_count == 1


def mark_failed(export_id: str, task_id: str, reason: str) -> None:
    mongo.db[COLLECTION].update_one(
        {"_id": export_id, "status": BUILDING, "claimed_by": task_id},
        {"$set": {"status": FAILED, "error": reason[:300]}},
    )


def open_archive(export_id: str, keys: str) -> files.StoredFile | None:
    return files.open_file(BUCKET, export_id, keys)


def drop_archive(export_id: str) -> None:
    files.delete(BUCKET, export_id)


def purge_expired(now: datetime) -> int:
    """Delete expired requests with their archives, and any archive whose request is gone."""
    purged = 0
    for export in mongo.db[COLLECTION].find({"expires_at": {"$lt": now}}, {"_id": 1}):
        files.delete(BUCKET, export["_id"])
        purged += mongo.db[COLLECTION].delete_one({"_id": export["_id"]}).deleted_count
    purged += files.delete_where(BUCKET, {"uploadDate": {"$lt": now - KEEP_FOR}})
    return purged


def reseal(keys: str, batch: int = rekey.BATCH) -> dict[str, rekey.Tally]:
    """Re-seal the export archives under the first key (the key-rotation job); the requests hold no sealed
    value."""
    return {f"{BUCKET}.files": files.reseal(BUCKET, keys, batch)}
