"""The waitlist's counters behind the admin stats: `waitlist_counts`, and the only module that talks to
pymongo about it.

One document per day of sign-up (`_id` "day:YYYY-MM-DD") counts that day's entries in all (`n`), by status,
by source and by number of referral credits. The entries' store (repository.py) moves an entry's day with
one `$inc` in each call that changes a counted field, so the stats never read the list; totals sum the day
documents (one per day since launch). The collection also keeps the store's start-up markers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from services.notification.waitlist.normalize import source_key
from shared.mongo import mongo

COUNTS = "waitlist_counts"
NO_SOURCE = "(none)"
COUNTED = "meta:counted"  # present once the counters hold the whole list


def _counts() -> Collection:
    return mongo.db[COUNTS]


def fields_of(entry: dict[str, Any], sign: int = 1) -> Counter[str]:
    """The counters one entry adds to its day (or takes away, with sign=-1)."""
    fields = Counter({"n": sign, f"status.{entry['status']}": sign})
    fields[f"source.{_field_name(source_key(entry.get('source')) or NO_SOURCE)}"] += sign
    if entry.get("referral_credits"):
        fields[f"credits.{entry['referral_credits']}"] += sign
    return fields


def moved(old: str, new: str) -> Counter[str]:
    return Counter({f"status.{old}": -1, f"status.{new}": 1})


def credited(credits: int) -> Counter[str]:
    """An entry's credits went up by one, to `credits`."""
    fields = Counter({f"credits.{credits}": 1})
    if credits > 1:
        fields[f"credits.{credits - 1}"] = -1
    return fields


def _field_name(text: str) -> str:
    """A source as a field name: no dots, no leading `$` (sources are free text from landing links)."""
    return text.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


def _from_field_name(name: str) -> str:
    return name.replace("%24", "$").replace("%2E", ".").replace("%25", "%")


def count(day: date, fields: Counter[str]) -> None:
    """Move the counters of one day of sign-up."""
    changes = {field: n for field, n in fields.items() if n}
    if changes:
        _counts().update_one(
            {"_id": f"day:{day.isoformat()}"},
            {"$inc": changes, "$setOnInsert": {"kind": "day", "day": day.isoformat()}},
            upsert=True,
        )


def count_all(docs: Iterable[dict[str, Any]]) -> None:
    """Count many entries: one update per day they signed up on."""
    by_day: dict[date, Counter[str]] = {}
    for doc in docs:
        by_day.setdefault(doc["created_at"].date(), Counter()).update(fields_of(doc))
    for day, fields in by_day.items():
        count(day, fields)


def uncount(entry: dict[str, Any]) -> None:
    """Erasure removed this entry (shared/userdata.py deletes it): take it out of the counters."""
    count(entry["created_at"].date(), fields_of(entry, -1))


def first_count() -> bool:
    """True for the one process that is to count a list stored before the counters existed."""
    try:
        _counts().insert_one({"_id": COUNTED, "kind": "meta"})
    except DuplicateKeyError:
        return False
    return True


def recount(entries: list[dict[str, Any]]) -> None:
    """Replace every day's counters with those of `entries`."""
    _counts().delete_many({"kind": "day"})
    count_all(entries)


def marked(marker: str) -> bool:
    return _counts().find_one({"_id": marker}, {"_id": 1}) is not None


def mark(marker: str) -> None:
    _counts().update_one({"_id": marker}, {"$setOnInsert": {"kind": "meta"}}, upsert=True)


def totals() -> dict[str, Any]:
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
        "statuses": statuses,
        "sources": sorted(((k, n) for k, n in sources.items() if n > 0), key=lambda kn: (-kn[1], kn[0])),
        "credits": sorted((c for c, n in credits.items() if n > 0), reverse=True),
    }


def signups_per_day(days: list[date]) -> dict[date, int]:
    ids = [f"day:{day.isoformat()}" for day in days]
    return {date.fromisoformat(doc["day"]): doc["n"] for doc in _counts().find({"_id": {"$in": ids}})}
