"""The recompute signal from ingestion to the summaries workers: durable first, coalesced, never lost.

Ingestion records, per person, the earliest day whose summary is out of date (a MongoDB document), and
then sends at most one task while another is still waiting to start (a Redis flag the task clears when
it starts). If Redis is down the document is still written, and the workers' sweeper sends the task later.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime

import redis
from celery import Celery
from kombu.exceptions import OperationalError
from pymongo import ASCENDING, ReturnDocument

from shared.mongo import mongo
from shared.queue import enqueue
from shared.redis_client import redis_client
from shared.tasks import RECOMPUTE_PERSON

log = logging.getLogger(__name__)

COLLECTION = "recompute_requests"
QUEUED_FLAG_TTL_S = 120  # safety net: a flag whose task vanished stops blocking new signals after this


def queued_flag(user_id: str) -> str:
    return f"recompute:queued:{user_id}"


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("pending", ASCENDING), ("requested_at", ASCENDING)])


def request_recompute(celery_app: Celery, user_id: str, days: Iterable[date | str]) -> bool:
    """Mark `days` (and everything after them) out of date for `user_id`; True when a task was sent."""
    days = [d if isinstance(d, str) else d.isoformat() for d in days]
    if not days:
        return False
    mongo.db[COLLECTION].update_one(
        {"_id": user_id},
        {
            "$min": {"from_day": min(days)},
            "$set": {"pending": True, "requested_at": datetime.now(UTC)},
            "$inc": {"version": 1},
        },
        upsert=True,
    )
    try:
        if not redis_client.client.set(queued_flag(user_id), "1", nx=True, ex=QUEUED_FLAG_TTL_S):
            return False  # a task is already waiting and will see this request
        enqueue(celery_app, RECOMPUTE_PERSON, user_id=user_id)
        return True
    except (redis.RedisError, OperationalError) as exc:
        # The request is durable in MongoDB; the sweeper sends it once Redis is back.
        log.warning("recompute signal deferred to the sweeper", extra={"reason": str(exc)[:200]})
        return False


def take_request(user_id: str) -> dict | None:
    """For the task as it starts: clear the queued flag (later events then send a new task) and read
    the request. None when nothing is pending."""
    redis_client.client.delete(queued_flag(user_id))
    return mongo.db[COLLECTION].find_one({"_id": user_id, "pending": True})


def finish_request(request: dict) -> bool:
    """Mark the request done unless newer events arrived meanwhile (then it stays pending)."""
    result = mongo.db[COLLECTION].find_one_and_update(
        {"_id": request["_id"], "version": request["version"]},
        {"$set": {"pending": False, "done_at": datetime.now(UTC)}, "$unset": {"from_day": ""}},
        return_document=ReturnDocument.AFTER,
    )
    return result is not None


def stale_requests(before: datetime, limit: int = 1000) -> list[dict]:
    return list(mongo.db[COLLECTION].find({"pending": True, "requested_at": {"$lt": before}}).limit(limit))


def sweep(celery_app: Celery, before: datetime) -> int:
    """Send a task for every request left pending since `before` (a lost or deferred signal)."""
    requests = stale_requests(before)
    for request in requests:
        mongo.db[COLLECTION].update_one(
            {"_id": request["_id"]}, {"$set": {"requested_at": datetime.now(UTC)}}
        )
        enqueue(celery_app, RECOMPUTE_PERSON, user_id=request["_id"])
    return len(requests)


def forget(user_id: str) -> None:
    """Erasure: drop the person's request and flag."""
    mongo.db[COLLECTION].delete_one({"_id": user_id})
    with contextlib.suppress(redis.RedisError):
        redis_client.client.delete(queued_flag(user_id))
