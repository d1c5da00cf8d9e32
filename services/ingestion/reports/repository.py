"""Opens of report share links (collection `report_share_opens`), and the indexes of the reports API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pymongo import ASCENDING

from shared import report_shares, reports
from shared.mongo import mongo

OPENS = "report_share_opens"


def ensure_indexes() -> None:
    reports.ensure_indexes()
    report_shares.ensure_indexes()
    mongo.db[OPENS].create_index([("share_id", ASCENDING)])


def opens_of(share_ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {share_id: [] for share_id in share_ids}
    for share_id in share_ids:
        cursor = mongo.db[OPENS].find({"share_id": share_id}).sort("opened_at", ASCENDING)
        out[share_id] = list(cursor)
    return out


def log_open(share: dict, what: str, now: datetime) -> None:
    """Record that a share link was opened: when, and what (no address, no browser: least data)."""
    mongo.db[OPENS].insert_one(
        {
            "_id": uuid.uuid4().hex,
            "share_id": share["_id"],
            "report_id": share["report_id"],
            "user_id": share["owner_id"],
            "opened_at": now,
            "what": what,
        }
    )
