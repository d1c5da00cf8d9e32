"""The admin audit log: who did what, when, to which target. Written for every admin action."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pymongo import DESCENDING

from shared.mongo import mongo

COLLECTION = "admin_audit"
PAGE_SIZE = 100


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("at", DESCENDING)], name="at_desc")


def record(
    actor: dict[str, Any], action: str, target: str | None = None, via: str = "web", **details: Any
) -> None:
    """Append one entry; `actor` is the admin account (or a CLI stand-in with an email)."""
    mongo.db[COLLECTION].insert_one(
        {
            "_id": uuid.uuid4().hex,
            "at": datetime.now(UTC),
            "actor_id": actor.get("_id"),
            "actor": actor["email"],
            "via": via,
            "action": action,
            "target": target,
            "details": details,
        }
    )


def recent(page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], bool]:
    """One page of the log, newest first, and whether there is another page."""
    rows = list(
        mongo.db[COLLECTION].find().sort("at", DESCENDING).skip((page - 1) * page_size).limit(page_size + 1)
    )
    return rows[:page_size], len(rows) > page_size
