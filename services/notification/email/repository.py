"""MongoDB access for email: the outbox state machine, suppressions, category opt-outs, provider events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.email import FAILED, OUTBOX, QUEUED, SENDING, SENT, SUPPRESSED, WAITLIST
from shared.mongo import mongo

CLAIMS = "email_claims"
SUPPRESSIONS = "email_suppressions"
PREFERENCES = "email_preferences"
EVENTS = "email_events"
HISTORY_LIMIT = 20  # entries kept per outbox record; a bounded array keeps documents small


def ensure_indexes() -> None:
    db = mongo.db
    db[OUTBOX].create_index([("status", ASCENDING), ("updated_at", ASCENDING)])
    db[OUTBOX].create_index([("to_key", ASCENDING), ("created_at", DESCENDING)])
    db[OUTBOX].create_index([("user_id", ASCENDING)])
    db[EVENTS].create_index([("address", ASCENDING), ("at", DESCENDING)])
    db[CLAIMS].create_index([("outbox_id", ASCENDING)])


def _history(status: str, now: datetime, **extra: Any) -> dict:
    return {
        "$push": {"history": {"$each": [{"at": now, "status": status, **extra}], "$slice": -HISTORY_LIMIT}}
    }


def upsert_queued(record: dict[str, Any]) -> None:
    """Create the record if the producer did not (or it was lost); an existing one is left as it is."""
    mongo.db[OUTBOX].update_one({"_id": record["_id"]}, {"$setOnInsert": record}, upsert=True)


def set_to_key(outbox_id: str, to_key: str) -> None:
    mongo.db[OUTBOX].update_one({"_id": outbox_id}, {"$set": {"to_key": to_key}})


def claim(outbox_id: str, task_id: str, now: datetime, stale_before: datetime) -> dict | None:
    """Take the record for sending, or None: it is sent already, or another worker holds a fresh claim.

    The claim is an insert of `{outbox_id}#{attempt}` into CLAIMS, which the unique _id makes atomic on
    MongoDB and FerretDB alike (FerretDB 1.x does not isolate concurrent conditional updates). Only the
    winner then writes the record. A claim older than `stale_before` (its worker died mid-send) can be
    taken over by the next attempt."""
    record = mongo.db[OUTBOX].find_one({"_id": outbox_id})
    if record is None:
        return None
    stale = record["status"] == SENDING and record["claimed_at"] < stale_before
    if record["status"] != QUEUED and not stale:
        return None
    attempt = record["attempts"] + 1
    try:
        mongo.db[CLAIMS].insert_one(
            {"_id": f"{outbox_id}#{attempt}", "outbox_id": outbox_id, "task_id": task_id, "at": now}
        )
    except DuplicateKeyError:
        return None
    return mongo.db[OUTBOX].find_one_and_update(
        {"_id": outbox_id},
        {
            "$set": {
                "status": SENDING,
                "claimed_at": now,
                "claimed_by": task_id,
                "updated_at": now,
                "attempts": attempt,
            },
            **_history(SENDING, now, task_id=task_id),
        },
        return_document=ReturnDocument.AFTER,
    )


def _finish(
    outbox_id: str, task_id: str, status: str, now: datetime, *, drop_data: bool = False, **fields: Any
) -> bool:
    update = {"$set": {"status": status, "updated_at": now, **fields}, **_history(status, now, **fields)}
    if drop_data:
        update["$unset"] = {"data": ""}
    result = mongo.db[OUTBOX].update_one({"_id": outbox_id, "status": SENDING, "claimed_by": task_id}, update)
    return result.modified_count == 1


def mark_sent(outbox_id: str, task_id: str, now: datetime, message_id: str) -> bool:
    """Sent: its data (codes, links, names) is dropped, nothing needs it again."""
    fields = {"sent_at": now, "message_id": message_id, "last_error": None}
    return _finish(outbox_id, task_id, SENT, now, drop_data=True, **fields)


def mark_failed(outbox_id: str, task_id: str, now: datetime, reason: str, *, audience: str) -> bool:
    """Failed for good. Waitlist mail keeps its data for an admin's resend; account mail has none."""
    return _finish(outbox_id, task_id, FAILED, now, drop_data=audience != WAITLIST, last_error=reason)


def mark_suppressed(outbox_id: str, task_id: str, now: datetime, reason: str, *, audience: str) -> bool:
    return _finish(outbox_id, task_id, SUPPRESSED, now, drop_data=audience != WAITLIST, last_error=reason)


def release_for_retry(outbox_id: str, task_id: str, now: datetime, reason: str) -> bool:
    """Back to queued after a transient failure; the retry (or the sweeper) claims it again."""
    return _finish(outbox_id, task_id, QUEUED, now, last_error=reason)


def requeue(outbox_id: str, now: datetime, reason: str) -> dict | None:
    """Put a failed or suppressed waitlist record back in line (an admin's resend)."""
    return mongo.db[OUTBOX].find_one_and_update(
        {
            "_id": outbox_id,
            "audience": WAITLIST,
            "status": {"$in": [FAILED, SUPPRESSED]},
            "data": {"$exists": True},
        },
        {
            "$set": {"status": QUEUED, "updated_at": now, "last_error": None},
            **_history(QUEUED, now, reason=reason),
        },
        return_document=ReturnDocument.AFTER,
    )


def find(outbox_id: str) -> dict | None:
    return mongo.db[OUTBOX].find_one({"_id": outbox_id})


def find_stuck(queued_before: datetime, sending_before: datetime, limit: int) -> list[dict]:
    """Records nobody is working on: queued and untouched, or sending with a claim older than allowed."""
    db = mongo.db[OUTBOX]
    queued = db.find({"status": QUEUED, "updated_at": {"$lt": queued_before}}).limit(limit)
    sending = db.find({"status": SENDING, "claimed_at": {"$lt": sending_before}}).limit(limit)
    return [*queued, *sending][:limit]


def history_for(address_key: str, limit: int = 50) -> list[dict]:
    return list(mongo.db[OUTBOX].find({"to_key": address_key}).sort("created_at", DESCENDING).limit(limit))


def find_suppression(address_key: str) -> dict | None:
    return mongo.db[SUPPRESSIONS].find_one({"_id": address_key})


def suppress(address_key: str, scope: str, reason: str, now: datetime, detail: str = "") -> None:
    """Record (or widen) a suppression; an address suppressed for everything stays so."""
    current = find_suppression(address_key)
    if current and current["scope"] == "all":
        return
    mongo.db[SUPPRESSIONS].update_one(
        {"_id": address_key},
        {"$set": {"scope": scope, "reason": reason, "detail": detail[:500], "at": now}},
        upsert=True,
    )


def opt_outs_of(categories: tuple[str, ...]) -> list[dict]:
    """Every address's opt-out document naming any of these categories."""
    return list(mongo.db[PREFERENCES].find({"unsubscribed": {"$in": list(categories)}}))


def unsubscribed_categories(address_key: str) -> set[str]:
    doc = mongo.db[PREFERENCES].find_one({"_id": address_key}) or {}
    return set(doc.get("unsubscribed", []))


def unsubscribe(address_key: str, category: str, now: datetime) -> None:
    mongo.db[PREFERENCES].update_one(
        {"_id": address_key},
        {"$addToSet": {"unsubscribed": category}, "$set": {"updated_at": now}},
        upsert=True,
    )


def resubscribe(address_key: str, category: str, now: datetime) -> None:
    mongo.db[PREFERENCES].update_one(
        {"_id": address_key}, {"$pull": {"unsubscribed": category}, "$set": {"updated_at": now}}
    )


def record_event(event: dict[str, Any]) -> None:
    mongo.db[EVENTS].insert_one(event)


def count_events(address_key: str, kind: str, since: datetime) -> int:
    return mongo.db[EVENTS].count_documents({"address": address_key, "type": kind, "at": {"$gte": since}})
