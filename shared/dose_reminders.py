"""The dose_reminders collection, its one owner: one record per (person, local day, dose time) reminder,
the claim that makes it go out exactly once. The workers' scan creates a record when a dose time comes
(its unique _id decides which of two scans creates it) and sends its id to the notifier; the notifier
claims it for a lease with one conditional update, sends, and finishes it. A claim whose holder died is
taken over once its lease ends (the scan re-sends stuck records), as the email outbox does.

Document (collection `dose_reminders`):
    _id          str   sha256 of "user_id|day|time" (opaque in task logs; the same for the same reminder)
    user_id      str
    day, time    str   the local day "YYYY-MM-DD" and the plan's dose time "HH:MM"
    due_at       datetime (UTC)  when it was due (DST resolved)
    status       str   queued -> sending -> sent | skipped
    outcome      str   when finished: push, email, paused, nothing_planned, no_channel, erased
    pushed       list  subscription ids that accepted it (a takeover does not push to them again)
    lease_until, claimed_by, attempts, sweep_after, created_at, updated_at
Records are kept KEEP_DAYS, then purged by the scan; erasure removes a person's at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.mongo import mongo

COLLECTION = "dose_reminders"
QUEUED, SENDING, SENT, SKIPPED = "queued", "sending", "sent", "skipped"
KEEP_DAYS = 14


def reminder_id(user_id: str, day: str, at: str) -> str:
    return hashlib.sha256(f"{user_id}|{day}|{at}".encode()).hexdigest()[:32]


def ensure_indexes() -> None:
    db = mongo.db[COLLECTION]
    db.create_index([("status", ASCENDING), ("sweep_after", ASCENDING)])
    db.create_index([("user_id", ASCENDING)])
    db.create_index([("created_at", ASCENDING)])


def create(
    user_id: str, day: str, at: str, due_at: datetime, *, now: datetime, lease: timedelta
) -> str | None:
    """The new record's id, or None when this reminder exists already (another scan, an earlier one)."""
    rid = reminder_id(user_id, day, at)
    doc = {
        "_id": rid,
        "user_id": user_id,
        "day": day,
        "time": at,
        "due_at": due_at,
        "status": QUEUED,
        "pushed": [],
        "attempts": 0,
        "sweep_after": now + lease,
        "created_at": now,
        "updated_at": now,
    }
    try:
        mongo.db[COLLECTION].insert_one(doc)
    except DuplicateKeyError:
        return None
    return rid


@dataclass(frozen=True)
class Busy:
    """Another attempt holds the reminder until `until`: try again then (its holder may have died)."""

    until: datetime


def claim(rid: str, task_id: str, now: datetime, lease: timedelta) -> dict | Busy | None:
    """Take the reminder for sending for `lease`, or say why not: None when it is finished (or unknown),
    Busy while another attempt's lease runs. One conditional update: of any number of attempts, one wins."""
    record = mongo.db[COLLECTION].find_one_and_update(
        {"_id": rid, "$or": [{"status": QUEUED}, {"status": SENDING, "lease_until": {"$lt": now}}]},
        {
            "$set": {
                "status": SENDING,
                "claimed_by": task_id,
                "lease_until": now + lease,
                "sweep_after": now + lease,
                "updated_at": now,
            },
            "$inc": {"attempts": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    if record is not None:
        return record
    current = mongo.db[COLLECTION].find_one({"_id": rid}, {"status": 1, "lease_until": 1})
    if current is None or current["status"] not in (QUEUED, SENDING):
        return None
    return Busy(current.get("lease_until") or now)


def extend(rid: str, task_id: str, until: datetime) -> bool:
    """Renew the claim's lease before the next push (each push is bounded, the whole send is not); False
    when the claim is no longer this attempt's."""
    result = mongo.db[COLLECTION].update_one(
        {"_id": rid, "status": SENDING, "claimed_by": task_id},
        {"$set": {"lease_until": until, "sweep_after": until}},
    )
    return result.modified_count == 1


def mark_pushed(rid: str, task_id: str, subscription_id: str) -> None:
    """One subscription accepted the push: a takeover skips it."""
    mongo.db[COLLECTION].update_one(
        {"_id": rid, "claimed_by": task_id}, {"$addToSet": {"pushed": subscription_id}}
    )


def finish(rid: str, task_id: str, status: str, outcome: str, now: datetime) -> bool:
    """Done, by the attempt that holds the claim; False when its lease was taken over meanwhile."""
    result = mongo.db[COLLECTION].update_one(
        {"_id": rid, "status": SENDING, "claimed_by": task_id},
        {"$set": {"status": status, "outcome": outcome, "updated_at": now, "finished_at": now}},
    )
    return result.modified_count == 1


def take_stuck(now: datetime, lease: timedelta, limit: int = 500) -> list[str]:
    """Ids of reminders nobody is working on (the task was lost, or its worker died: past `sweep_after`),
    each moved on by one lease so the next scan does not send it again meanwhile."""
    db = mongo.db[COLLECTION]
    query = {"status": {"$in": [QUEUED, SENDING]}, "sweep_after": {"$lt": now}}
    taken = []
    for doc in db.find(query, {"_id": 1, "sweep_after": 1}).limit(limit):
        moved = db.update_one(
            {"_id": doc["_id"], "sweep_after": doc["sweep_after"]}, {"$set": {"sweep_after": now + lease}}
        )
        if moved.modified_count:
            taken.append(doc["_id"])
    return taken


def purge(now: datetime) -> int:
    """Records older than KEEP_DAYS: nothing needs them (the dose events hold what was confirmed)."""
    cutoff = now - timedelta(days=KEEP_DAYS)
    return mongo.db[COLLECTION].delete_many({"created_at": {"$lt": cutoff}}).deleted_count
