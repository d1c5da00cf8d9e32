"""Reading the workers' summary documents (day_summaries, person_summaries) for one person."""

from __future__ import annotations

from pymongo import ASCENDING

from shared import recompute, summaries
from shared.mongo import mongo


def days_between(user_id: str, start: str, end: str) -> list[dict]:
    cursor = mongo.db.day_summaries.find(
        {"user_id": user_id, "day": {"$gte": start, "$lte": end}}, {"_id": 0}
    )
    return list(cursor.sort("day", ASCENDING))


def person(user_id: str) -> dict | None:
    return summaries.find_person(user_id, {"_id": 0})


def pending(user_id: str) -> bool:
    return recompute.is_pending(user_id)
