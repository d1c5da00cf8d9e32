"""The taper_plans collection, its one owner: every version of each person's plan. A change stores a new
version and keeps the old ones, so the record of what was agreed, and when, is never rewritten. The
ingestion API writes versions; the workers read the current one for the weekly report and dose reminders.

Document (collection `taper_plans`), one per version:
    _id          str   "{user_id}:{version}" (so two writers of the same version collide on the _id)
    user_id      str
    version      int   1, 2, ...
    created_at   datetime (UTC)
    start_day    str   "YYYY-MM-DD", the first day of the plan
    medications  list  per catalogue medication: form and measure (tablet strength and smallest piece, or
                       liquid concentration and mL measure, or mg resolution), start_day, start_mg, method
                       (percent | fixed_mg | micro), step_percent or step_mg, interval_days, target_mg,
                       last_step_from_mg (see shared.plans.schedule)
    holds        list  {"start": day, "until": day | None}; None is open-ended
    ended_on     str   optional "YYYY-MM-DD": the plan's last day, when the person ended it
    dose_times   list  optional {"time": "HH:MM" local, "share": part of the day's dose}: the person's own
                       times and split (see shared.plans.doses)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from shared.mongo import mongo

COLLECTION = "taper_plans"
MAX_VERSIONS_LISTED = 100


class VersionTaken(Exception):
    """Another change stored this version first."""


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("user_id", ASCENDING), ("version", DESCENDING)], unique=True)


def current(user_id: str) -> dict | None:
    """The newest version of the person's plan, or None."""
    return mongo.db[COLLECTION].find_one({"user_id": user_id}, sort=[("version", DESCENDING)])


def versions(user_id: str) -> list[dict]:
    """The person's versions, newest first (at most MAX_VERSIONS_LISTED)."""
    cursor = mongo.db[COLLECTION].find({"user_id": user_id}).sort("version", DESCENDING)
    return list(cursor.limit(MAX_VERSIONS_LISTED))


def add_version(user_id: str, version: int, plan: dict[str, Any], now: datetime) -> dict:
    """Store `plan` as the person's `version`; VersionTaken when that version exists already."""
    doc = {"_id": f"{user_id}:{version}", "user_id": user_id, "version": version, "created_at": now, **plan}
    try:
        mongo.db[COLLECTION].insert_one(doc)
    except DuplicateKeyError as exc:
        raise VersionTaken() from exc
    return doc


def erase(user_id: str) -> int:
    """Every version of the person's plan, gone (they asked to delete it); how many there were."""
    return mongo.db[COLLECTION].delete_many({"user_id": user_id}).deleted_count


def people_with_dose_times() -> list[str]:
    """The people any of whose versions has dose times (the dose reminder scan reads each one's newest)."""
    return sorted(mongo.db[COLLECTION].distinct("user_id", {"dose_times.0": {"$exists": True}}))
