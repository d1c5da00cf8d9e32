"""MongoDB access for accounts' devices (token hashes only).

The accounts themselves are shared/users.py's; sign-in codes are shared/sign_in.py's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from shared import users
from shared.mongo import mongo

DEVICES = "devices"


def ensure_indexes() -> None:
    db = mongo.db
    users.ensure_indexes()
    db[DEVICES].create_index([("token_hash", ASCENDING)], unique=True)
    db[DEVICES].create_index([("user_id", ASCENDING)])


def insert_device(device: dict[str, Any]) -> None:
    mongo.db[DEVICES].insert_one(device)


def find_active_device(token_hash: str) -> dict | None:
    return mongo.db[DEVICES].find_one({"token_hash": token_hash, "revoked_at": None})


def touch_device(device_id: str, now: datetime) -> None:
    mongo.db[DEVICES].update_one({"_id": device_id}, {"$set": {"last_used_at": now}})


def token_hashes(user_id: str) -> list[str]:
    """The token hashes of every device the person ever signed in (revoked ones too)."""
    return [d["token_hash"] for d in mongo.db[DEVICES].find({"user_id": user_id}, {"token_hash": 1})]


def list_devices(user_id: str) -> list[dict]:
    return list(
        mongo.db[DEVICES].find({"user_id": user_id, "revoked_at": None}).sort("created_at", ASCENDING)
    )


def revoke_device(user_id: str, device_id: str, now: datetime) -> bool:
    result = mongo.db[DEVICES].update_one(
        {"_id": device_id, "user_id": user_id, "revoked_at": None}, {"$set": {"revoked_at": now}}
    )
    return result.modified_count == 1
