"""Share links for reports: a signed, unlisted link that opens one report without an account. The one
owner of the `report_shares` collection.

The token only names the share (HMAC-signed, so ids cannot be guessed or forged); whether it still
works is the share document's business: it expires (default 14 days) and the person can revoke it at
any time. The same share always gives a working link, so a delivery repeated after a crash re-sends the
link it made the first time instead of minting another. The ingestion service serves SHARE_PATH.

Document (collection `report_shares`):
    _id          str   uuid hex, or a deterministic id from the caller (e.g. a weekly delivery)
    report_id    str
    owner_id     str   the person whose report it is
    recipient    str | None   who it was made for (shown to the person), e.g. a clinician's address
    created_at, expires_at, revoked_at (None while it works)
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from shared.mongo import mongo
from shared.settings import Settings
from shared.tokens import TokenInvalid, sign, unsign

COLLECTION = "report_shares"
PURPOSE = "report_share"
DEFAULT_DAYS = 14
SHARE_PATH = "/shared/reports/"


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("report_id", ASCENDING)])


def share_url(settings: Settings, share_id: str) -> str:
    token = sign(settings.secret_key, PURPOSE, {"s": share_id}, expiring=False)
    return f"{settings.app_base_url}{SHARE_PATH}{token}"


def create_share(
    *,
    report_id: str,
    owner_id: str,
    recipient: str | None = None,
    days: int = DEFAULT_DAYS,
    share_id: str | None = None,
    now: datetime | None = None,
) -> dict:
    """A new share, or the existing one with `share_id` (a repeated request gets the same share)."""
    now = now or datetime.now(UTC)
    doc = {
        "_id": share_id or uuid.uuid4().hex,
        "report_id": report_id,
        "owner_id": owner_id,
        "recipient": recipient,
        "created_at": now,
        "expires_at": now + timedelta(days=days),
        "revoked_at": None,
    }
    try:
        mongo.db[COLLECTION].insert_one(doc)
    except DuplicateKeyError:
        return mongo.db[COLLECTION].find_one({"_id": doc["_id"]})
    return doc


def of_report(owner_id: str, report_id: str) -> list[dict]:
    """Every share the person made of their report, oldest first."""
    query = {"report_id": report_id, "owner_id": owner_id}
    return list(mongo.db[COLLECTION].find(query).sort("created_at", ASCENDING))


def find_own(owner_id: str, report_id: str, share_id: str) -> dict | None:
    """The share if it is one the person made of this report."""
    return mongo.db[COLLECTION].find_one({"_id": share_id, "report_id": report_id, "owner_id": owner_id})


def find_usable(settings: Settings, token: str, now: datetime | None = None) -> dict | None:
    """The share a link names if it is genuine, unexpired and not revoked; None otherwise."""
    try:
        share_id = unsign(settings.secret_key, PURPOSE, token, max_age=None)["s"]
    except (TokenInvalid, KeyError, TypeError):
        return None
    share = mongo.db[COLLECTION].find_one({"_id": share_id})
    now = now or datetime.now(UTC)
    if share is None or share["revoked_at"] is not None or share["expires_at"] <= now:
        return None
    return share


def revoke(owner_id: str, share_id: str, now: datetime | None = None) -> bool:
    result = mongo.db[COLLECTION].update_one(
        {"_id": share_id, "owner_id": owner_id, "revoked_at": None},
        {"$set": {"revoked_at": now or datetime.now(UTC)}},
    )
    return result.modified_count == 1
