"""Admin read queries over waitlist_entries and email_outbox: entry detail, CSV rows, stats, outbox.

The list pages read the Redis index (services/notification/waitlist/index.py) instead: FerretDB 1.24 on
SQLite pushes nothing but `_id` equality down, so a sorted or filtered find reads the whole collection.
Stats read the few fields they need in one pass and are computed in Python. See docs/admin.md.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.notification.waitlist.repository import CONFIRMED, STATUSES
from shared.email import OUTBOX, WAITLIST
from shared.invitations import COLLECTION as INVITATIONS
from shared.mongo import mongo

ENTRIES = "waitlist_entries"
# Each sort is one an index serves (no tie-breaker: a second key would force MongoDB into a blocking sort).
SORT_KEYS = {
    "newest": [("created_at", DESCENDING)],
    "oldest": [("created_at", ASCENDING)],
    "line": [("status", ASCENDING), ("line_at", ASCENDING)],
    "email": [("email_key", ASCENDING)],
}
STATS_DAYS = 30
LEADERS = 10


def ensure_indexes() -> None:
    """What the admin list filters and sorts on (the waitlist owns email_key, status+line_at, created_at)."""
    col = mongo.db[ENTRIES]
    col.create_index([("status", ASCENDING), ("created_at", DESCENDING)], name="admin_status_created_at")
    col.create_index([("source", ASCENDING), ("created_at", DESCENDING)], name="admin_source_created_at")
    mongo.db[OUTBOX].create_index([("updated_at", DESCENDING)], name="admin_updated_at")


def entry_query(filters: dict[str, Any]) -> dict[str, Any]:
    """The MongoDB filter for the list's search and filters (equality first: the part backends push down)."""
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
    yield from mongo.db[ENTRIES].find(entry_query(filters)).sort(SORT_KEYS[filters.get("sort") or "newest"])


def find_entry(entry_id: str) -> dict[str, Any] | None:
    return mongo.db[ENTRIES].find_one({"_id": entry_id})


def find_entries(entry_ids: list[str]) -> list[dict[str, Any]]:
    # One equality lookup each: `_id` equality is the one filter every backend pushes down.
    found = (find_entry(entry_id) for entry_id in dict.fromkeys(entry_ids))
    return [entry for entry in found if entry is not None]


def next_in_line(count: int) -> list[dict[str, Any]]:
    """The first `count` confirmed entries by place in line."""
    return list(mongo.db[ENTRIES].find({"status": CONFIRMED}).sort(SORT_KEYS["line"]).limit(count))


def referrer_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    if not entry.get("referred_by"):
        return None
    return mongo.db[ENTRIES].find_one({"_id": entry["referred_by"]}, {"email": 1, "name": 1})


# Admins manage the waitlist: every outbox read here is of waitlist mail. Account mail (sign-in codes,
# safety messages, reports) is the person's own and no admin view or API shows it (shared/email.py).
WAITLIST_MAIL = {"audience": WAITLIST}
# Template data can hold link tokens; no admin view needs it.
NO_DATA = {"data": 0}


def email_history(address_key: str, limit: int = 50) -> list[dict[str, Any]]:
    """Waitlist emails sent to one address, newest first."""
    query = {"to_key": address_key, **WAITLIST_MAIL}
    return list(mongo.db[OUTBOX].find(query, NO_DATA).sort("created_at", DESCENDING).limit(limit))


def list_outbox(status: str, page: int, page_size: int) -> tuple[list[dict[str, Any]], bool]:
    query = {"status": status, **WAITLIST_MAIL} if status else WAITLIST_MAIL
    rows = list(
        mongo.db[OUTBOX]
        .find(query, NO_DATA)
        .sort("updated_at", DESCENDING)
        .skip((page - 1) * page_size)
        .limit(page_size + 1)
    )
    return rows[:page_size], len(rows) > page_size


def find_outbox(outbox_id: str) -> dict[str, Any] | None:
    return mongo.db[OUTBOX].find_one({"_id": outbox_id, **WAITLIST_MAIL}, NO_DATA)


def invitation(invitation_id: str) -> dict[str, Any] | None:
    return mongo.db[INVITATIONS].find_one({"_id": invitation_id})


def delete_invitation(invitation_id: str) -> None:
    mongo.db[INVITATIONS].delete_one({"_id": invitation_id})


def stats(today: date) -> dict[str, Any]:
    """Signups per day, statuses, confirmation rate, sources and referral leaders, from one pass."""
    since = today - timedelta(days=STATS_DAYS - 1)
    per_day: Counter[date] = Counter()
    statuses: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    leaders: list[tuple[int, str, str, str]] = []
    fields = {"status": 1, "source": 1, "created_at": 1, "referral_credits": 1, "email": 1, "name": 1}
    for entry in mongo.db[ENTRIES].find({}, fields):
        statuses[entry.get("status")] += 1
        sources[entry.get("source") or "(none)"] += 1
        created = entry.get("created_at")
        if created and created.date() >= since:
            per_day[created.date()] += 1
        credits = entry.get("referral_credits") or 0
        if credits > 0:
            item = (credits, entry["_id"], entry.get("email", ""), entry.get("name") or "")
            (heapq.heappush if len(leaders) < LEADERS else heapq.heappushpop)(leaders, item)
    total = sum(statuses.values())
    confirmed = total - statuses.get("pending", 0)
    return {
        "total": total,
        "statuses": {status: statuses.get(status, 0) for status in STATUSES},
        "confirmation_rate": confirmed / total if total else None,
        "per_day": [
            (since + timedelta(days=i), per_day.get(since + timedelta(days=i), 0)) for i in range(STATS_DAYS)
        ],
        "sources": sources.most_common(),
        "leaders": [
            {"credits": c, "entry_id": i, "email": e, "name": n}
            for c, i, e, n in sorted(leaders, reverse=True)
        ],
    }
