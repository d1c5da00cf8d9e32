"""MongoDB access for email: the outbox state machine, suppressions, category opt-outs, provider events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument

from shared.email import FAILED, OUTBOX, QUEUED, SENDING, SENT, SUPPRESSED, WAITLIST
from shared.mongo import mongo

CLAIMS = "email_claims"  # claims earlier versions wrote beside the record; erasure still removes them
SUPPRESSIONS = "email_suppressions"
PREFERENCES = "email_preferences"
EVENTS = "email_events"
HISTORY_LIMIT = 20  # entries kept per outbox record; a bounded array keeps documents small


def ensure_indexes() -> None:
    db = mongo.db
    db[OUTBOX].create_index([("status", ASCENDING), ("updated_at", ASCENDING)])
    db[OUTBOX].create_index([("status", ASCENDING), ("lease_until", ASCENDING)])
    db[OUTBOX].create_index([("status", ASCENDING), ("sweep_after", ASCENDING)])
    db[OUTBOX].create_index([("to_key", ASCENDING), ("created_at", DESCENDING)])
    db[OUTBOX].create_index([("user_id", ASCENDING)])
    db[OUTBOX].create_index([("updated_at", DESCENDING)], name="admin_updated_at")
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


def find(outbox_id: str) -> dict | None:
    return mongo.db[OUTBOX].find_one({"_id": outbox_id})


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
