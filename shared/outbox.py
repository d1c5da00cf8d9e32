"""The email outbox (collection `email_outbox`): every read and write of its records lives here.

shared/email.py requests emails and stores their records through `insert_new`; the notification service
claims, sends and sweeps them and shows admins the waitlist mail, all through the functions below; the
workers read the backlog for a metric. Erasure and export walk shared/userdata.py's registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import BulkWriteError

from shared import rekey
from shared.mongo import mongo

OUTBOX = "email_outbox"
DUPLICATE_KEY = 11000
HISTORY_LIMIT = 20  # entries kept per outbox record; a bounded array keeps documents small

# Outbox states: queued -> sending -> sent | failed | suppressed.
QUEUED, SENDING, SENT, FAILED, SUPPRESSED = "queued", "sending", "sent", "failed", "suppressed"

# Who an email is for. Admins see waitlist mail only; account mail is the person's own business.
WAITLIST, ACCOUNT = "waitlist", "account"


def ensure_indexes() -> None:
    outbox = mongo.db[OUTBOX]
    outbox.create_index([("status", ASCENDING), ("updated_at", ASCENDING)])
    outbox.create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
    outbox.create_index([("status", ASCENDING), ("sweep_after", ASCENDING)])
    outbox.create_index([("to_key", ASCENDING), ("created_at", DESCENDING)])
    outbox.create_index([("user_id", ASCENDING)])
    outbox.create_index([("updated_at", DESCENDING)], name="admin_updated_at")


def insert_new(records: list[dict[str, Any]]) -> set[int]:
    """Store the records in one write; the positions of those whose id was stored already (a repeat)."""
    try:
        mongo.db[OUTBOX].insert_many(records, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise  # not only repeats: the outbox sweeper sends any record stored meanwhile
        return {error["index"] for error in errors}
    return set()


def backlog() -> tuple[dict[str, int], float]:
    """Emails not yet finished, by state (queued, sending), and the age in seconds of the oldest."""
    pending = {QUEUED: 0, SENDING: 0}
    for status in pending:
        pending[status] = mongo.db[OUTBOX].count_documents({"status": status})
    oldest = next(
        iter(
            mongo.db[OUTBOX]
            .find({"status": {"$in": [QUEUED, SENDING]}}, {"created_at": 1})
            .sort("created_at", 1)
            .limit(1)
        ),
        None,
    )
    age = (datetime.now(UTC) - oldest["created_at"]).total_seconds() if oldest else 0.0
    return pending, max(0.0, age)


def _history(status: str, now: datetime, **extra: Any) -> dict:
    return {
        "$push": {"history": {"$each": [{"at": now, "status": status, **extra}], "$slice": -HISTORY_LIMIT}}
    }


def upsert_queued(record: dict[str, Any]) -> None:
    """Create the record if the producer did not (or it was lost); an existing one is left as it is."""
    mongo.db[OUTBOX].update_one({"_id": record["_id"]}, {"$setOnInsert": record}, upsert=True)


@dataclass(frozen=True)
class Busy:
    """Another attempt holds a live lease on the record until `until`: try again then."""

    until: datetime


def claim(outbox_id: str, task_id: str, now: datetime, lease: timedelta) -> dict | Busy | None:
    """Take the record for sending for `lease`, or say why not: None when it is finished (or unknown),
    Busy while another attempt's lease runs.

    One conditional update, so exactly one of any number of concurrent attempts wins (MongoDB; FerretDB with
    our patch 0003, docs/ferretdb.md). The claim and the record are one write, so a worker that dies at any
    point leaves either a queued record or a lease that ends: the next attempt after it takes the record."""
    lease_until = now + lease
    record = mongo.db[OUTBOX].find_one_and_update(
        {
            "_id": outbox_id,
            "$or": [
                {"status": QUEUED},
                {"status": SENDING, "lease_until": {"$lt": now}},
                # Claimed before leases existed: it runs for one lease from when it was taken.
                {"status": SENDING, "lease_until": {"$exists": False}, "claimed_at": {"$lt": now - lease}},
            ],
        },
        {
            "$set": {
                "status": SENDING,
                "claimed_at": now,
                "claimed_by": task_id,
                "lease_until": lease_until,
                "sweep_after": lease_until,
                "updated_at": now,
            },
            "$inc": {"attempts": 1},
            **_history(SENDING, now, task_id=task_id),
        },
        return_document=ReturnDocument.AFTER,
    )
    if record is not None:
        return record
    current = mongo.db[OUTBOX].find_one({"_id": outbox_id}, {"status": 1, "lease_until": 1, "claimed_at": 1})
    if current is None or current["status"] not in (QUEUED, SENDING):
        return None
    return Busy(current.get("lease_until") or current["claimed_at"] + lease)


def extend_lease(outbox_id: str, task_id: str, until: datetime) -> bool:
    """Hold a claimed record until `until` (mail that may take longer to hand over); False if not ours."""
    result = mongo.db[OUTBOX].update_one(
        {"_id": outbox_id, "status": SENDING, "claimed_by": task_id},
        {"$set": {"lease_until": until, "sweep_after": until}},
    )
    return result.modified_count == 1


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


def release_for_retry(
    outbox_id: str, task_id: str, now: datetime, reason: str, sweep_after: datetime
) -> bool:
    """Back to queued after a transient failure: the task's retry claims it again, and the sweeper steps in
    only after `sweep_after` (the retry was lost)."""
    return _finish(outbox_id, task_id, QUEUED, now, last_error=reason, sweep_after=sweep_after)


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


def mark_swept(outbox_id: str, now: datetime, until: datetime) -> bool:
    """Claim a stuck record for one re-enqueue until `until`; False while an earlier sweep's claim runs."""
    result = mongo.db[OUTBOX].update_one(
        {"_id": outbox_id, "$or": [{"swept_until": {"$exists": False}}, {"swept_until": {"$lt": now}}]},
        {"$set": {"swept_until": until}},
    )
    return result.modified_count == 1


def find_stuck(now: datetime, legacy_before: datetime, limit: int) -> list[dict]:
    """Records nobody is working on: queued past their `sweep_after`, or sending past their claim's lease.
    Records written before those fields existed count from `legacy_before`."""
    db = mongo.db[OUTBOX]
    queries = (
        {"status": SENDING, "lease_until": {"$lt": now}},
        {"status": QUEUED, "sweep_after": {"$lt": now}},
        {"status": SENDING, "lease_until": {"$exists": False}, "claimed_at": {"$lt": legacy_before}},
        {"status": QUEUED, "sweep_after": {"$exists": False}, "updated_at": {"$lt": legacy_before}},
    )
    found: list[dict] = []
    for query in queries:
        found += db.find(query).limit(limit - len(found)) if len(found) < limit else []
    return found


# Admins manage the waitlist: every outbox read for them is of waitlist mail. Account mail (sign-in codes,
# safety messages, reports) is the person's own and no admin view or API shows it (shared/email.py).
WAITLIST_MAIL = {"audience": WAITLIST}
# Template data can hold link tokens; no admin view needs it.
NO_DATA = {"data": 0}


def waitlist_mail_to(address_key: str, limit: int = 50) -> list[dict[str, Any]]:
    """Waitlist emails sent to one address, newest first, without their data."""
    query = {"to_key": address_key, **WAITLIST_MAIL}
    return list(mongo.db[OUTBOX].find(query, NO_DATA).sort("created_at", DESCENDING).limit(limit))


def waitlist_mail_page(status: str, page: int, page_size: int) -> tuple[list[dict[str, Any]], bool]:
    """One page of waitlist mail (of one status, or all), last changed first, and whether more follow."""
    query = {"status": status, **WAITLIST_MAIL} if status else WAITLIST_MAIL
    found = mongo.db[OUTBOX].find(query, NO_DATA).sort("updated_at", DESCENDING)
    rows = list(found.skip((page - 1) * page_size).limit(page_size + 1))
    return rows[:page_size], len(rows) > page_size


def find_waitlist_mail(outbox_id: str) -> dict[str, Any] | None:
    return mongo.db[OUTBOX].find_one({"_id": outbox_id, **WAITLIST_MAIL}, NO_DATA)


def reseal(keys: str, batch: int = rekey.BATCH) -> dict[str, rekey.Tally]:
    """Re-seal account mail's template names and unsent data under the first key (the key-rotation job;
    shared/rekey.py). An email sent meanwhile loses its data, so its record is left as it is."""
    return {OUTBOX: rekey.reseal_documents(mongo.db[OUTBOX], keys, {"template": 1, "data": 1}, batch)}
