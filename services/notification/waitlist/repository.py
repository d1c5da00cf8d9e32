"""The waitlist_entries collection: the only module that talks to pymongo about the waitlist.

Every state change is one conditional update on one document, so a replayed request, a double click or a
concurrent admin action finds the state already moved on and changes nothing (FerretDB has no transactions).
FerretDB 1.x also refuses a projection on findAndModify, so those return whole documents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection

from shared.mongo import mongo

COLLECTION = "waitlist_entries"
PENDING, CONFIRMED, INVITED, ACTIVE = "pending", "confirmed", "invited", "active"
STATUSES = (PENDING, CONFIRMED, INVITED, ACTIVE)


def entries() -> Collection:
    return mongo.db[COLLECTION]


def ensure_indexes() -> None:
    """Create the waitlist's indexes; safe to call at every start (only unique and compound: FerretDB)."""
    col = entries()
    col.create_index([("email_key", ASCENDING)], unique=True, name="email_key_unique")
    col.create_index([("referral_code", ASCENDING)], unique=True, name="referral_code_unique")
    col.create_index([("status", ASCENDING), ("line_at", ASCENDING)], name="status_line_at")
    col.create_index([("created_at", ASCENDING)], name="created_at")


def insert_entry(doc: dict[str, Any]) -> None:
    """Insert a new entry; raises DuplicateKeyError when its email_key or referral_code is taken."""
    entries().insert_one(doc)


def find_by_id(entry_id: str) -> dict[str, Any] | None:
    return entries().find_one({"_id": entry_id})


def find_by_email_key(email_key: str) -> dict[str, Any] | None:
    return entries().find_one({"email_key": email_key})


def find_id_by_referral_code(code: str) -> str | None:
    doc = entries().find_one({"referral_code": code}, {"_id": 1})
    return doc["_id"] if doc else None


def record_confirmation_send(entry_id: str, at: datetime) -> int | None:
    """Count one confirmation email for a pending entry; the new count, or None if no longer pending."""
    doc = entries().find_one_and_update(
        {"_id": entry_id, "status": PENDING},
        {"$inc": {"confirmation_sends": 1}, "$set": {"last_confirmation_sent_at": at}},
        return_document=ReturnDocument.AFTER,
    )
    return doc["confirmation_sends"] if doc else None


def confirm_pending(entry_id: str, at: datetime, line_at: datetime) -> dict[str, Any] | None:
    """Move a pending entry to confirmed; None when it is not pending (already confirmed, or erased)."""
    return entries().find_one_and_update(
        {"_id": entry_id, "status": PENDING},
        {"$set": {"status": CONFIRMED, "confirmed_at": at, "line_at": line_at}},
        return_document=ReturnDocument.AFTER,
    )


def claim_referral_credit(entry_id: str) -> dict[str, Any] | None:
    """Mark a referred entry's credit as given; None when it was given before (or there is no referrer)."""
    return entries().find_one_and_update(
        {"_id": entry_id, "referral_credited": False, "referred_by": {"$ne": None}},
        {"$set": {"referral_credited": True}},
        return_document=ReturnDocument.AFTER,
    )


def add_referral_credit(referrer_id: str) -> dict[str, Any] | None:
    return entries().find_one_and_update(
        {"_id": referrer_id}, {"$inc": {"referral_credits": 1}}, return_document=ReturnDocument.AFTER
    )


def set_line_at(entry_id: str, credits: int, line_at: datetime) -> bool:
    """Store a line_at computed from `credits`; False if the credits changed meanwhile (recompute)."""
    result = entries().update_one(
        {"_id": entry_id, "referral_credits": credits}, {"$set": {"line_at": line_at}}
    )
    return result.matched_count == 1


def count_confirmed_ahead(line_at: datetime, entry_id: str) -> int:
    """Confirmed entries before this place in line (ties broken by id, so positions never collide)."""
    col = entries()
    before = col.count_documents({"status": CONFIRMED, "line_at": {"$lt": line_at}})
    tied = col.count_documents({"status": CONFIRMED, "line_at": line_at, "_id": {"$lt": entry_id}})
    return before + tied


def mark_invited(entry_id: str, invitation_id: str, at: datetime) -> bool:
    """Confirmed -> invited; False for any other state."""
    result = entries().update_one(
        {"_id": entry_id, "status": CONFIRMED},
        {"$set": {"status": INVITED, "invited_at": at, "invitation_id": invitation_id}},
    )
    return result.modified_count == 1


def mark_active(entry_id: str, at: datetime) -> bool:
    """Invited -> active, once the invitation became an account; False for any other state."""
    result = entries().update_one(
        {"_id": entry_id, "status": INVITED}, {"$set": {"status": "active", "active_at": at}}
    )
    return result.modified_count == 1


def forget_referrer(entry_id: str) -> None:
    """Erasure: the entries this one referred no longer point at it."""
    entries().update_many({"referred_by": entry_id}, {"$set": {"referred_by": None}})
