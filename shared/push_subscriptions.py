"""The push_subscriptions collection, its one owner: each browser (device) a person turned dose
notifications on in. The ingestion API adds and removes them, and signing a device out removes the ones it
made; the notifier reads them to send and removes one its push service says is gone (404 or 410).

Document (collection `push_subscriptions`), one per endpoint:
    _id          str   sha256 of the endpoint (a browser subscribing again replaces its own)
    user_id      str
    device_id    str   the signed-in device that stored it: signing that device out (a lost phone) removes it
                       (absent on those stored before it was recorded)
    endpoint     str   the push service URL (checked against PUSH_SERVICE_HOSTS before it is stored)
    keys         dict  {"p256dh", "auth"}: the browser's keys, to encrypt what we send it
    created_at, updated_at   datetime (UTC)
A person keeps at most MAX_PER_PERSON: a new one beyond that replaces the one updated longest ago.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pymongo import ASCENDING, DESCENDING

from shared.mongo import mongo

COLLECTION = "push_subscriptions"
MAX_PER_PERSON = 10


def subscription_id(endpoint: str) -> str:
    return hashlib.sha256(endpoint.encode()).hexdigest()


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("user_id", ASCENDING), ("updated_at", DESCENDING)])


def put(user_id: str, device_id: str, endpoint: str, keys: dict[str, str], now: datetime) -> bool:
    """Store the browser's subscription for the person (it moves to them if another account had it);
    True when it is new. Then keep only the person's newest MAX_PER_PERSON."""
    result = mongo.db[COLLECTION].update_one(
        {"_id": subscription_id(endpoint)},
        {
            "$set": {
                "user_id": user_id,
                "device_id": device_id,
                "endpoint": endpoint,
                "keys": keys,
                "updated_at": now,
            },
            "$setOnInsert": {"created_at": now},
        },
        upsert=True,
    )
    kept = mongo.db[COLLECTION].find({"user_id": user_id}, {"_id": 1}).sort("updated_at", DESCENDING)
    extra = [doc["_id"] for doc in kept.skip(MAX_PER_PERSON)]
    if extra:
        mongo.db[COLLECTION].delete_many({"_id": {"$in": extra}})
    return result.upserted_id is not None


def remove(user_id: str, endpoint: str) -> bool:
    """The person's subscription for this endpoint, gone; True if there was one."""
    query = {"_id": subscription_id(endpoint), "user_id": user_id}
    return mongo.db[COLLECTION].delete_one(query).deleted_count == 1


def remove_of_device(user_id: str, device_id: str) -> int:
    """Every subscription this device stored: once it is signed out, reminders no longer reach it. Those
    stored before subscriptions named their device go too, as any of them may be this one's: the app stores
    its own again, with its device, each time it is opened signed in."""
    query = {"user_id": user_id, "device_id": {"$in": [device_id, None]}}
    return mongo.db[COLLECTION].delete_many(query).deleted_count


def of_person(user_id: str) -> list[dict]:
    return list(mongo.db[COLLECTION].find({"user_id": user_id}).limit(MAX_PER_PERSON))


def remove_gone(subscription_id_: str, endpoint: str) -> None:
    """A subscription its push service no longer knows (404/410): removed, unless the browser has
    subscribed again meanwhile with a new endpoint (then it is another document)."""
    mongo.db[COLLECTION].delete_one({"_id": subscription_id_, "endpoint": endpoint})
