"""MongoDB access for scheduling: the people to plan for, and one `schedules` document per (person, kind).

Document: {_id: "{kind}:{user_id}", user_id, kind, basis (hash of the time zone and preferences the due
time was computed from), due_at (UTC), slot_day (the local day of that slot), updated_at}.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from shared import users as accounts
from shared.mongo import mongo

SCHEDULES = "schedules"
USER_FIELDS = {"email": 1, "display_name": 1, "time_zone": 1, "preferences": 1, "language": 1}


def schedule_id(kind: str, user_id: str) -> str:
    return f"{kind}:{user_id}"


def users(batch: int) -> Iterator[dict]:
    """Every account, in _id order and pages of `batch` (no cursor stays open across a long scan)."""
    return accounts.every(USER_FIELDS, batch)


def find_user(user_id: str) -> dict | None:
    return accounts.find(user_id, USER_FIELDS)


def all_schedules() -> dict[str, dict]:
    return {doc["_id"]: doc for doc in mongo.db[SCHEDULES].find({})}


def put(
    kind: str, user_id: str, basis: str, *, due_at: datetime | None, slot_day: str | None, now: datetime
) -> None:
    mongo.db[SCHEDULES].replace_one(
        {"_id": schedule_id(kind, user_id)},
        {
            "user_id": user_id,
            "kind": kind,
            "basis": basis,
            "due_at": due_at,
            "slot_day": slot_day,
            "updated_at": now,
        },
        upsert=True,
    )


def advance(schedule_id_: str, due_at: datetime | None, slot_day: str | None, now: datetime) -> None:
    """Move to the next slot. Two scans racing write the same values, so no claim is needed here: what
    a slot sends is held to once by the report id and the email idempotency keys."""
    mongo.db[SCHEDULES].update_one(
        {"_id": schedule_id_}, {"$set": {"due_at": due_at, "slot_day": slot_day, "updated_at": now}}
    )


def delete(schedule_ids: list[str]) -> int:
    if not schedule_ids:
        return 0
    return mongo.db[SCHEDULES].delete_many({"_id": {"$in": schedule_ids}}).deleted_count
