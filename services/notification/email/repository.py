"""MongoDB access for email beside the outbox (shared/outbox.py): suppressions, category opt-outs,
provider events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from shared.mongo import mongo

CLAIMS = "email_claims"  # claims earlier versions wrote beside the record; erasure still removes them
SUPPRESSIONS = "email_suppressions"
PREFERENCES = "email_preferences"
EVENTS = "email_events"


def ensure_indexes() -> None:
    mongo.db[EVENTS].create_index([("address", ASCENDING), ("at", DESCENDING)])
    mongo.db[CLAIMS].create_index([("outbox_id", ASCENDING)])


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


# An opt-out made from mail to a named recipient (the clinician's) is also listed here, so it is never taken
# for an account's own opt-out stored before settings held them (service.adopt_account_opt_outs).
AS_NAMED_RECIPIENT = "as_named_recipient"


def unsubscribe(address_key: str, category: str, now: datetime, named_recipient: bool = False) -> None:
    added = {"unsubscribed": category} | ({AS_NAMED_RECIPIENT: category} if named_recipient else {})
    mongo.db[PREFERENCES].update_one(
        {"_id": address_key}, {"$addToSet": added, "$set": {"updated_at": now}}, upsert=True
    )


def resubscribe(address_key: str, category: str, now: datetime) -> None:
    mongo.db[PREFERENCES].update_one(
        {"_id": address_key},
        {"$pull": {"unsubscribed": category, AS_NAMED_RECIPIENT: category}, "$set": {"updated_at": now}},
    )


def record_event(event: dict[str, Any]) -> None:
    mongo.db[EVENTS].insert_one(event)


def count_events(address_key: str, kind: str, since: datetime) -> int:
    return mongo.db[EVENTS].count_documents({"address": address_key, "type": kind, "at": {"$gte": since}})
