"""The waitlist's store: `waitlist_entries`, and the only module that talks to pymongo about it.

The admin list is plain queries here, each written to be served by an index on MongoDB (and on our
FerretDB once it reads through typed index keys): equality on `status` and `source_key`, ranges on
`created_at` and `email_key`, and sorts that follow an index's keys after the keys pinned by equality,
ending in `_id` so ties page stably.

Every state change is one conditional update on one document, so a replayed request, a double click or a
concurrent admin action finds the state already moved on and changes nothing (FerretDB has no transactions).
FerretDB 1.x also refuses a projection on findAndModify, so those return whole documents. Each change that
moves a counted field (status, referral credits) moves its day's counters (counts.py) in the same call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, OperationFailure

from services.notification.waitlist import counts
from services.notification.waitlist.normalize import email_key, source_key
from shared.mongo import mongo

COLLECTION = "waitlist_entries"
PENDING, CONFIRMED, INVITED, ACTIVE = "pending", "confirmed", "invited", "active"
STATUSES = (PENDING, CONFIRMED, INVITED, ACTIVE)
DUPLICATE_KEY = 11000
INDEX_NOT_FOUND = 27
SOURCE_KEYED = "meta:source-keyed"  # present once every entry has its source_key
BATCH = 1000
# The admin list's orders (its pages, the export, "invite the next N"). Each follows an index's keys after
# the keys the query pins by equality ("line" pins status), and ends in `_id` (email_key is unique), so
# entries tied on the first key keep one order from page to page.
SORT_KEYS = {
    "newest": [("created_at", DESCENDING), ("_id", DESCENDING)],
    "oldest": [("created_at", ASCENDING), ("_id", ASCENDING)],
    "line": [("line_at", ASCENDING), ("_id", ASCENDING)],
    "email": [("email_key", ASCENDING)],
}
LIST_FIELDS = (
    "email", "name", "status", "source", "created_at", "confirmed_at", "line_at", "referral_credits",
    "invited_at",
)  # fmt: skip
RETIRED_INDEXES = ("created_at", "status_line_at")  # replaced by the same keys ending in _id


def _entries() -> Collection:
    return mongo.db[COLLECTION]


def ensure_indexes() -> None:
    """Create the waitlist's indexes; safe to call at every start."""
    col = _entries()
    col.create_index([("email_key", ASCENDING)], unique=True, name="email_key_unique")
    col.create_index([("referral_code", ASCENDING)], unique=True, name="referral_code_unique")
    # The admin list's sorts (SORT_KEYS): newest and oldest, and the place in line within a status.
    col.create_index([("created_at", ASCENDING), ("_id", ASCENDING)], name="created_at_id")
    col.create_index(
        [("status", ASCENDING), ("line_at", ASCENDING), ("_id", ASCENDING)], name="status_line_at_id"
    )
    # Erasure's forget_referrer and the stats' referral leaders: equalities the patched server pushes down.
    col.create_index([("referred_by", ASCENDING)], name="referred_by")
    col.create_index([("referral_credits", ASCENDING)], name="referral_credits")
    for name in RETIRED_INDEXES:
        try:
            col.drop_index(name)
        except OperationFailure as exc:  # absent is fine: dropped before, by another process, or never made
            if exc.code != INDEX_NOT_FOUND:
                raise


def ensure_source_keys() -> None:
    """At start: give entries stored before `source_key` existed theirs, once (streamed, BATCH updates per
    write). The marker is written after the pass, so a pass cut short is repeated; repeating one changes
    nothing."""
    if counts.marked(SOURCE_KEYED):
        return
    updates: list[UpdateOne] = []
    for doc in _entries().find({"source_key": {"$exists": False}}, {"source": 1}):
        keyed = {"$set": {"source_key": source_key(doc.get("source"))}}
        updates.append(UpdateOne({"_id": doc["_id"]}, keyed))
        if len(updates) == BATCH:
            _entries().bulk_write(updates, ordered=False)
            updates = []
    if updates:
        _entries().bulk_write(updates, ordered=False)
    counts.mark(SOURCE_KEYED)


def _keyed(doc: dict[str, Any]) -> dict[str, Any]:
    """The entry with its `source_key`, the source the list filters on whatever its case."""
    doc["source_key"] = source_key(doc.get("source"))
    return doc


def insert_entry(doc: dict[str, Any]) -> None:
    """Insert a new entry and count it; raises DuplicateKeyError when its email_key or referral_code is
    taken (then nothing is counted)."""
    _entries().insert_one(_keyed(doc))
    counts.count(doc["created_at"].date(), counts.fields_of(doc))


def insert_new_entries(docs: list[dict[str, Any]]) -> set[int]:
    """Insert new entries in one write and count those stored; the positions refused because their
    email_key or referral_code is taken (anything else raises, with the stored ones counted)."""
    if not docs:
        return set()
    refused: set[int] = set()
    try:
        _entries().insert_many([_keyed(doc) for doc in docs], ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        refused = {error["index"] for error in errors}
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            counts.count_all(doc for position, doc in enumerate(docs) if position not in refused)
            raise
    counts.count_all(doc for position, doc in enumerate(docs) if position not in refused)
    return refused


def insert_entries(docs: list[dict[str, Any]]) -> None:
    """Insert new entries in order and count them (imports, tests and benchmarks store many at once)."""
    try:
        _entries().insert_many([_keyed(doc) for doc in docs], ordered=True)
    except BulkWriteError as exc:  # in order: those before the refused one are stored, so counted
        counts.count_all(docs[: exc.details["nInserted"]])
        raise
    counts.count_all(docs)


def ensure_counts() -> None:
    """At start: count a list stored before the counters existed, once (the first process to claim it)."""
    if counts.first_count():
        recount()


def recount() -> int:
    """Rebuild every counter from the entries in one pass (`flask admin recount`, at a quiet moment: a
    change made during the pass may be missed); the entries counted."""
    fields = {"status": 1, "created_at": 1, "source": 1, "referral_credits": 1}
    entries = list(_entries().find({}, fields))
    counts.recount(entries)
    return len(entries)


def find_by_id(entry_id: str) -> dict[str, Any] | None:
    return _entries().find_one({"_id": entry_id})


def find_by_ids(entry_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The entries with these ids, in the order asked (missing ones are skipped)."""
    wanted = list(dict.fromkeys(entry_ids))
    found = {doc["_id"]: doc for doc in _entries().find({"_id": {"$in": wanted}})}
    return [found[i] for i in wanted if i in found]


def find_by_email_key(email_key: str) -> dict[str, Any] | None:
    return _entries().find_one({"email_key": email_key})


def find_id_by_referral_code(code: str) -> str | None:
    doc = _entries().find_one({"referral_code": code}, {"_id": 1})
    return doc["_id"] if doc else None


def record_confirmation_send(entry_id: str, at: datetime) -> int | None:
    """Count one confirmation email for a pending entry; the new count, or None if no longer pending."""
    doc = _entries().find_one_and_update(
        {"_id": entry_id, "status": PENDING},
        {"$inc": {"confirmation_sends": 1}, "$set": {"last_confirmation_sent_at": at}},
        return_document=ReturnDocument.AFTER,
    )
    return doc["confirmation_sends"] if doc else None


def confirm_pending(entry_id: str, at: datetime, line_at: datetime) -> dict[str, Any] | None:
    """Move a pending entry to confirmed; None when it is not pending (already confirmed, or erased)."""
    doc = _entries().find_one_and_update(
        {"_id": entry_id, "status": PENDING},
        {"$set": {"status": CONFIRMED, "confirmed_at": at, "line_at": line_at}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None:
        counts.count(doc["created_at"].date(), counts.moved(PENDING, CONFIRMED))
    return doc


def claim_referral_credit(entry_id: str) -> dict[str, Any] | None:
    """Mark a referred entry's credit as given; None when it was given before (or there is no referrer)."""
    return _entries().find_one_and_update(
        {"_id": entry_id, "referral_credited": False, "referred_by": {"$ne": None}},
        {"$set": {"referral_credited": True}},
        return_document=ReturnDocument.AFTER,
    )


def add_referral_credit(referrer_id: str) -> dict[str, Any] | None:
    doc = _entries().find_one_and_update(
        {"_id": referrer_id}, {"$inc": {"referral_credits": 1}}, return_document=ReturnDocument.AFTER
    )
    if doc is not None:
        counts.count(doc["created_at"].date(), counts.credited(doc["referral_credits"]))
    return doc


def set_line_at(entry_id: str, credits: int, line_at: datetime) -> bool:
    """Store a line_at computed from `credits`; False if the credits changed meanwhile (recompute)."""
    result = _entries().update_one(
        {"_id": entry_id, "referral_credits": credits}, {"$set": {"line_at": line_at}}
    )
    return result.matched_count == 1


def count_confirmed_ahead(line_at: datetime, entry_id: str) -> int:
    """Confirmed entries before this place in line (ties broken by id, so positions never collide, in the
    order of the list's "line" sort): two counts within the status_line_at_id index."""
    col = _entries()
    before = col.count_documents({"status": CONFIRMED, "line_at": {"$lt": line_at}})
    tied = col.count_documents({"status": CONFIRMED, "line_at": line_at, "_id": {"$lt": entry_id}})
    return before + tied


def mark_invited(entry_id: str, invitation_id: str, at: datetime) -> bool:
    """Confirmed -> invited; False for any other state."""
    before = _entries().find_one_and_update(
        {"_id": entry_id, "status": CONFIRMED},
        {"$set": {"status": INVITED, "invited_at": at, "invitation_id": invitation_id}},
    )
    if before is not None:
        counts.count(before["created_at"].date(), counts.moved(CONFIRMED, INVITED))
    return before is not None


def mark_active(entry_id: str, at: datetime) -> bool:
    """Invited -> active, once the invitation became an account; False for any other state."""
    before = _entries().find_one_and_update(
        {"_id": entry_id, "status": INVITED}, {"$set": {"status": ACTIVE, "active_at": at}}
    )
    if before is not None:
        counts.count(before["created_at"].date(), counts.moved(INVITED, ACTIVE))
    return before is not None


def forget_referrer(entry_id: str) -> None:
    """Erasure: the entries this one referred no longer point at it."""
    _entries().update_many({"referred_by": entry_id}, {"$set": {"referred_by": None}})


# The admin side: the list's pages, its export and "invite the next N", all in SORT_KEYS order.


def entry_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The MongoDB filter for the admin list's search and filters ("line" lists one status: confirmed
    unless another is chosen)."""
    query: dict[str, Any] = {}
    status = filters.get("status") or (CONFIRMED if filters.get("sort") == "line" else None)
    if status:
        query["status"] = status
    if filters.get("source"):
        query["source_key"] = source_key(filters["source"])
    created: dict[str, datetime] = {}
    if filters.get("created_from"):
        created["$gte"] = _start_of(filters["created_from"])
    if filters.get("created_to"):
        created["$lt"] = _start_of(filters["created_to"] + timedelta(days=1))
    if created:
        query["created_at"] = created
    return query | _search(filters.get("q") or "")


def _search(text: str) -> dict[str, Any]:
    """A search with an "@" is an address or its start: a range on email_key, through its index (typed as
    the duplicate key is kept, so `John.Smith@Gmail.com` finds `johnsmith@gmail.com`). Without one it is any
    part of an address or a name, in any case: a scan."""
    needle = text.strip()
    if not needle:
        return {}
    if "@" in needle:
        return {"email_key": _prefix(email_key(needle))}
    anywhere = {"$regex": re.escape(needle), "$options": "i"}
    return {"$or": [{"email_key": anywhere}, {"name": anywhere}]}


def _prefix(start: str) -> dict[str, str]:
    """The strings that begin with `start` (U+10FFFF, the last code point, follows any other)."""
    return {"$gte": start, "$lt": start + "\U0010ffff"}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def list_page(filters: dict[str, Any], page_size: int) -> tuple[list[dict[str, Any]], bool]:
    """One page of the admin list (its LIST_FIELDS) for these filters, and whether another follows."""
    found = list(
        _entries()
        .find(entry_query(filters), dict.fromkeys(LIST_FIELDS, 1))
        .sort(SORT_KEYS[filters.get("sort") or "newest"])
        .skip((filters.get("page", 1) - 1) * page_size)
        .limit(page_size + 1)
    )
    rows = [{"_id": doc["_id"]} | {field: doc.get(field) for field in LIST_FIELDS} for doc in found]
    return rows[:page_size], len(rows) > page_size


def iter_entries(filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every entry matching the filters, in the list's order, for a streamed export."""
    yield from _entries().find(entry_query(filters)).sort(SORT_KEYS[filters.get("sort") or "newest"])


def next_in_line(count: int) -> list[dict[str, Any]]:
    """The first `count` confirmed entries by place in line."""
    return list(_entries().find({"status": CONFIRMED}).sort(SORT_KEYS["line"]).limit(count))


def referrer_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    if not entry.get("referred_by"):
        return None
    return _entries().find_one({"_id": entry["referred_by"]}, {"email": 1, "name": 1})


# The admin stats' referral leaders (the rest come from counts.py).


def referral_leaders(credit_values: list[int], limit: int) -> list[dict[str, Any]]:
    """Up to `limit` entries with the most referral credits, given the credit values held (most first): one
    indexed equality per value (ties among equal credits come in stored order)."""
    leaders: list[dict[str, Any]] = []
    for credits in credit_values:
        if len(leaders) >= limit:
            break
        found = _entries().find({"referral_credits": credits}, {"email": 1, "name": 1})
        leaders += [
            {
                "credits": credits,
                "entry_id": doc["_id"],
                "email": doc.get("email", ""),
                "name": doc.get("name") or "",
            }
            for doc in found.limit(limit - len(leaders))
        ]
    return leaders
