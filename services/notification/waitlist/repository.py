"""The waitlist's store: `waitlist_entries` and the counters behind the admin stats (`waitlist_counts`);
the only module that talks to pymongo about either.

The admin list is plain queries here, each written to be served by an index on MongoDB (and on our
FerretDB once it reads through typed index keys): equality on `status` and `source_key`, ranges on
`created_at` and `email_key`, and sorts that follow an index's keys after the keys pinned by equality,
ending in `_id` so ties page stably.

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

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from services.notification.waitlist.normalize import email_key
from shared.mongo import mongo

COLLECTION = "waitlist_entries"
COUNTS = "waitlist_counts"
PENDING, CONFIRMED, INVITED, ACTIVE = "pending", "confirmed", "invited", "active"
STATUSES = (PENDING, CONFIRMED, INVITED, ACTIVE)
NO_SOURCE = "(none)"
DUPLICATE_KEY = 11000
INDEX_NOT_FOUND = 27
COUNTED = "meta:counted"  # present once the counters hold the whole list
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


def _counts() -> Collection:
    return mongo.db[COUNTS]


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
    if _counts().find_one({"_id": SOURCE_KEYED}, {"_id": 1}) is not None:
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
    _counts().update_one({"_id": SOURCE_KEYED}, {"$setOnInsert": {"kind": "meta"}}, upsert=True)


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


def _keyed(doc: dict[str, Any]) -> dict[str, Any]:
    """The entry with its `source_key`, the source the list filters on whatever its case."""
    doc["source_key"] = source_key(doc.get("source"))
    return doc


def insert_entry(doc: dict[str, Any]) -> None:
    """Insert a new entry and count it; raises DuplicateKeyError when its email_key or referral_code is
    taken (then nothing is counted)."""
    _entries().insert_one(_keyed(doc))
    _count(doc["created_at"].date(), _counter_fields(doc))


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
            _count_all(doc for position, doc in enumerate(docs) if position not in refused)
            raise
    _count_all(doc for position, doc in enumerate(docs) if position not in refused)
    return refused


def insert_entries(docs: list[dict[str, Any]]) -> None:
    """Insert new entries in order and count them (imports, tests and benchmarks store many at once)."""
    try:
        _entries().insert_many([_keyed(doc) for doc in docs], ordered=True)
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
