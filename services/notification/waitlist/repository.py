"""The waitlist's store: `waitlist_entries` and the counters behind the admin stats (`waitlist_counts`);
the only module that talks to pymongo about either.

Every state change is one conditional update on one document, so a replayed request, a double click or a
concurrent admin action finds the state already moved on and changes nothing (FerretDB has no transactions).
FerretDB 1.x also refuses a projection on findAndModify, so those return whole documents. Each change that
moves a counted field (status, referral credits) moves its counters with one `$inc` in the same call, so
the stats never read the list.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.mongo import mongo

COLLECTION = "waitlist_entries"
COUNTS = "waitlist_counts"
PENDING, CONFIRMED, INVITED, ACTIVE = "pending", "confirmed", "invited", "active"
STATUSES = (PENDING, CONFIRMED, INVITED, ACTIVE)
NO_SOURCE = "(none)"
DUPLICATE_KEY = 11000
COUNTED = "meta:counted"  # present once the counters hold the whole list
# The export's orders (the admin list's pages read the Redis read model, waitlist/index.py).
SORT_KEYS = {
    "newest": [("created_at", DESCENDING)],
    "oldest": [("created_at", ASCENDING)],
    "line": [("status", ASCENDING), ("line_at", ASCENDING)],
    "email": [("email_key", ASCENDING)],
}


def _entries() -> Collection:
    return mongo.db[COLLECTION]


def _counts() -> Collection:
    return mongo.db[COUNTS]


def ensure_indexes() -> None:
    """Create the waitlist's indexes; safe to call at every start."""
    col = _entries()
    col.create_index([("email_key", ASCENDING)], unique=True, name="email_key_unique")
    col.create_index([("referral_code", ASCENDING)], unique=True, name="referral_code_unique")
    col.create_index([("status", ASCENDING), ("line_at", ASCENDING)], name="status_line_at")
    col.create_index([("created_at", ASCENDING)], name="created_at")
    # Erasure's forget_referrer and the stats' referral leaders: equalities the patched server pushes down.
    col.create_index([("referred_by", ASCENDING)], name="referred_by")
    col.create_index([("referral_credits", ASCENDING)], name="referral_credits")


# Counters: one document per day of sign-up (`_id` "day:YYYY-MM-DD"), counting that day's entries in all
# (`n`), by status, by source and by number of referral credits. A change to an entry moves its day's
# counters with one `$inc`; totals sum the day documents (one per day since launch).


def _counter_fields(entry: dict[str, Any], sign: int = 1) -> Counter[str]:
    fields = Counter({"n": sign, f"status.{entry['status']}": sign})
    fields[f"source.{_field_name(source_key(entry.get('source')) or NO_SOURCE)}"] += sign
    if entry.get("referral_credits"):
        fields[f"credits.{entry['referral_credits']}"] += sign
    return fields


def _field_name(text: str) -> str:
    """A source as a field name: no dots, no leading `$` (sources are free text from landing links)."""
    return text.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _from_field_name(name: str) -> str:
    return name.replace("%24", "$").replace("%2E", ".").replace("%25", "%")


def source_key(source: str | None) -> str | None:
    """One source whatever its case: 'Reddit' and 'reddit' are one source."""
    return source.casefold() if source else None


def _count(day: date, fields: Counter[str]) -> None:
    """Move the counters of one day of sign-up."""
    changes = {field: n for field, n in fields.items() if n}
    if changes:
        _counts().update_one(
            {"_id": f"day:{day.isoformat()}"},
            {"$inc": changes, "$setOnInsert": {"kind": "day", "day": day.isoformat()}},
            upsert=True,
        )


def _count_all(docs: Iterable[dict[str, Any]]) -> None:
    """Count many entries: one update per day they signed up on."""
    by_day: dict[date, Counter[str]] = {}
    for doc in docs:
        by_day.setdefault(doc["created_at"].date(), Counter()).update(_counter_fields(doc))
    for day, fields in by_day.items():
        _count(day, fields)


def _moved(old: str, new: str) -> Counter[str]:
    return Counter({f"status.{old}": -1, f"status.{new}": 1})


def insert_entry(doc: dict[str, Any]) -> None:
    """Insert a new entry and count it; raises DuplicateKeyError when its email_key or referral_code is
    taken (then nothing is counted)."""
    _entries().insert_one(doc)
    _count(doc["created_at"].date(), _counter_fields(doc))


def insert_new_entries(docs: list[dict[str, Any]]) -> set[int]:
    """Insert new entries in one write and count those stored; the positions refused because their
    email_key or referral_code is taken (anything else raises, with the stored ones counted)."""
    if not docs:
        return set()
    refused: set[int] = set()
    try:
        _entries().insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        refused = {error["index"] for error in errors}
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            _count_all(doc for position, doc in enumerate(docs) if position not in refused)
            raise
    _count_all(doc for position, doc in enumerate(docs) if position not in refused)
    return refused


def insert_entries(docs: list[dict[str, Any]]) -> None:
    """Insert new entries in order and count them (imports, tests and benchmarks store many at once)."""
    try:
        _entries().insert_many(docs, ordered=True)
    except BulkWriteError as exc:  # in order: those before the refused one are stored, so counted
        _count_all(docs[: exc.details["nInserted"]])
        raise
    _count_all(docs)


def ensure_counts() -> None:
    """At start: count a list stored before the counters existed, once (the first process to claim it)."""
    try:
        _counts().insert_one({"_id": COUNTED, "kind": "meta"})
    except DuplicateKeyError:
        return
    recount()


def recount() -> int:
    """Rebuild every counter from the entries in one pass (`flask admin recount`, at a quiet moment: a
    change made during the pass may be missed); the entries counted."""
    fields = {"status": 1, "created_at": 1, "source": 1, "referral_credits": 1}
    entries = list(_entries().find({}, fields))
    _counts().delete_many({"kind": "day"})
    _count_all(entries)
    return len(entries)


def uncount(entry: dict[str, Any]) -> None:
    """Erasure removed this entry (shared/userdata.py deletes it): take it out of the counters."""
    _count(entry["created_at"].date(), _counter_fields(entry, -1))


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
        _count(doc["created_at"].date(), _moved(PENDING, CONFIRMED))
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
        credits = doc["referral_credits"]
        moved = Counter({f"credits.{credits}": 1})
        if credits > 1:
            moved[f"credits.{credits - 1}"] = -1
        _count(doc["created_at"].date(), moved)
    return doc


def set_line_at(entry_id: str, credits: int, line_at: datetime) -> bool:
    """Store a line_at computed from `credits`; False if the credits changed meanwhile (recompute)."""
    result = _entries().update_one(
        {"_id": entry_id, "referral_credits": credits}, {"$set": {"line_at": line_at}}
    )
    return result.matched_count == 1


def count_confirmed_ahead(line_at: datetime, entry_id: str) -> int:
    """Confirmed entries before this place in line (ties broken by id, so positions never collide)."""
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
        _count(before["created_at"].date(), _moved(CONFIRMED, INVITED))
    return before is not None


def mark_active(entry_id: str, at: datetime) -> bool:
    """Invited -> active, once the invitation became an account; False for any other state."""
    before = _entries().find_one_and_update(
        {"_id": entry_id, "status": INVITED}, {"$set": {"status": ACTIVE, "active_at": at}}
    )
    if before is not None:
        _count(before["created_at"].date(), _moved(INVITED, ACTIVE))
    return before is not None


def forget_referrer(entry_id: str) -> None:
    """Erasure: the entries this one referred no longer point at it."""
    _entries().update_many({"referred_by": entry_id}, {"$set": {"referred_by": None}})


# The admin side: the list's read model refills from here; the export and "invite the next N" read here.


def iter_list_rows(fields: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Every entry with these fields, unsorted (the admin list's read model is rebuilt from this)."""
    yield from _entries().find({}, dict.fromkeys(fields, 1))


def entry_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The MongoDB filter for the admin list's search and filters (equality first: pushed down)."""
    query: dict[str, Any] = {}
    if filters.get("status"):
        query["status"] = filters["status"]
    if filters.get("source"):
        query["source"] = {"$regex": f"^{re.escape(filters['source'])}$", "$options": "i"}
    created: dict[str, datetime] = {}
    if filters.get("created_from"):
        created["$gte"] = _start_of(filters["created_from"])
    if filters.get("created_to"):
        created["$lt"] = _start_of(filters["created_to"] + timedelta(days=1))
    if created:
        query["created_at"] = created
    if filters.get("q"):
        needle = {"$regex": re.escape(filters["q"].strip()), "$options": "i"}
        query["$or"] = [{"email": needle}, {"name": needle}]
    if filters.get("sort") == "line":
        query.setdefault("status", CONFIRMED)
    return query


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


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


# The admin stats, from the counters.


def count_totals() -> dict[str, Any]:
    """Entries by status, by source (most first) and the referral-credit values held (most first), summed
    over the day documents."""
    statuses: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    credits: Counter[int] = Counter()
    for day in _counts().find({"kind": "day"}):
        statuses.update(day.get("status", {}))
        sources.update({_from_field_name(k): n for k, n in day.get("source", {}).items()})
        credits.update({int(k): n for k, n in day.get("credits", {}).items()})
    return {
        "statuses": {status: statuses.get(status, 0) for status in STATUSES},
        "sources": sorted(((k, n) for k, n in sources.items() if n > 0), key=lambda kn: (-kn[1], kn[0])),
        "credits": sorted((c for c, n in credits.items() if n > 0), reverse=True),
    }


def signups_per_day(days: list[date]) -> dict[date, int]:
    ids = [f"day:{day.isoformat()}" for day in days]
    return {date.fromisoformat(doc["day"]): doc["n"] for doc in _counts().find({"_id": {"$in": ids}})}


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
