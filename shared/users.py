"""The `users` collection: every account, read and written only through this module (the ingestion
service creates and edits accounts; the workers and the notification side read them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING, ReturnDocument

from shared.mongo import mongo, one_or_in

USERS = "users"


def ensure_indexes() -> None:
    mongo.db[USERS].create_index([("email_key", ASCENDING)], unique=True)


def insert(user: dict[str, Any]) -> None:
    mongo.db[USERS].insert_one(user)


def local_today(user: dict, now: datetime | None = None) -> date:
    """The person's own day now, in their time zone: what "today" means on every screen and report."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(user["time_zone"])).date()


def find(user_id: str, fields: dict | None = None) -> dict | None:
    return mongo.db[USERS].find_one({"_id": user_id}, fields)


def find_many(user_ids: list[str], fields: dict | None = None) -> dict[str, dict]:
    """These people's accounts by id (the erased ones left out), in one indexed query."""
    return {u["_id"]: u for u in mongo.db[USERS].find(one_or_in("_id", user_ids), fields)}


def find_by_email(email_key: str, fields: dict | None = None) -> dict | None:
    return mongo.db[USERS].find_one({"email_key": email_key}, fields)


def adopt_language(user_id: str, language: str) -> bool:
    """The language the person's emails follow, where they have not chosen one yet (at sign-in, the app's);
    True when it was taken."""
    chosen = {"_id": user_id, "language": {"$exists": False}}
    return mongo.db[USERS].update_one(chosen, {"$set": {"language": language}}).modified_count == 1


def update(user_id: str, fields: dict[str, Any]) -> dict | None:
    """Set these fields; the account as it is afterwards, or None when there is none."""
    return mongo.db[USERS].find_one_and_update(
        {"_id": user_id}, {"$set": fields}, return_document=ReturnDocument.AFTER
    )


def ids_after(after: str | None, limit: int) -> list[str]:
    """Up to `limit` account ids after `after`, in order: a long scan pages without an open cursor."""
    query = {"_id": {"$gt": after}} if after else {}
    return [u["_id"] for u in mongo.db[USERS].find(query, {"_id": 1}).sort("_id", ASCENDING).limit(limit)]


def every(fields: dict, batch: int) -> Iterator[dict]:
    """Every account, in _id order and pages of `batch`."""
    after = None
    while True:
        query = {"_id": {"$gt": after}} if after else {}
        page = list(mongo.db[USERS].find(query, fields).sort("_id", ASCENDING).limit(batch))
        yield from page
        if len(page) < batch:
            return
        after = page[-1]["_id"]
