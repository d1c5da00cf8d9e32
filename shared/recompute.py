"""The recompute signal from ingestion to the summaries workers: durable first, coalesced, never lost.

Ingestion records a request (who, from which day) for every accepted write that no waiting task covers yet
(a Redis flag holding the earliest day to recompute, which the task that recomputes the person takes), and
sends a task for the person unless one of theirs is queued and not started yet (a second key, which that
task clears as it starts): however fast people write, at most one task per person waits in the queue. If
Redis is down the request is still in MongoDB, and the workers' sweeper sends the task later.

A person's requests are one document (`_id` = the person), written by one atomic upsert per request: the
earliest day, whether a full read is needed, the oldest write's time and a count of the requests. A task
deletes it only if the count is still what it read: a request stored while it worked keeps the person
pending for the next task (which may redo a day already done: recomputes are idempotent).
Requests of the earlier shape (a random `_id`, the person in `user_id`) are folded in by the sweeper.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime

import redis
from celery import Celery
from kombu.exceptions import OperationalError
from pymongo import ASCENDING, DeleteOne, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure, WriteError

from shared import day_cache, metrics
from shared.group_commit import GroupCommit
from shared.mongo import mongo, one_or_in
from shared.queue import enqueue
from shared.redis_client import redis_client
from shared.tasks import RECOMPUTE_PERSON

log = logging.getLogger(__name__)

COLLECTION = "recompute_requests"
# Safety nets for a task message lost with a Redis: its flag stops covering writes, and its key stops
# holding back new tasks, after this.
QUEUED_FLAG_TTL_S = SENT_TTL_S = 120


def _upsert(request: dict) -> UpdateOne:
    """One request into its person's document (`_id` = the person)."""
    return UpdateOne(
        {"_id": request["_id"]},
        {
            "$min": {"from_day": request["from_day"], "at": request["at"]},
            "$max": {"full": request["full"]},
            "$inc": {"requests": 1},
        },
        upsert=True,
    )


def _store_requests(requests: list[dict]) -> dict[int, BaseException]:
    """One bulk write, in order (a person twice gets both); on our FerretDB build one commit (0012), and
    each upsert atomic (0003). A statement that fails, and every one after it, fail their own threads."""
    try:
        mongo.db[COLLECTION].bulk_write([_upsert(r) for r in requests], ordered=True)
    except BulkWriteError as exc:
        if exc.details.get("writeConcernErrors") or not exc.details.get("writeErrors"):
            raise
        error = exc.details["writeErrors"][0]
        failed = WriteError(error.get("errmsg", "write error"), error.get("code"), error)
        first = error["index"]
        return {i: failed if i == first else _NOT_APPLIED for i in range(first, len(requests))}
    return {}


_NOT_APPLIED = RuntimeError("not stored: an earlier request of the same write failed")

# One per process: the request threads of a gunicorn worker share their request writes (see group_commit).
_requests = GroupCommit(_store_requests)


def queued_flag(user_id: str) -> str:
    return f"recompute:queued:{user_id}"


def sent_key(user_id: str) -> str:
    """Set while a task for the person is queued and has not started."""
    return f"recompute:sent:{user_id}"


def ensure_indexes() -> None:
    """Lookups are by `_id`; `at` serves the sweeper and the backlog's oldest request."""
    requests = mongo.db[COLLECTION]
    requests.create_index([("at", ASCENDING)])
    with contextlib.suppress(OperationFailure):  # the earlier shape's index, where one is left
        requests.drop_index([("user_id", ASCENDING), ("at", ASCENDING)])


# The flag holds the earliest day its waiting task will recompute from.
# KEYS[1] = flag, KEYS[2..] = cached days (shared/day_cache.py); ARGV[1] = day, ARGV[2] = the cache's TTL,
# ARGV[3] = the flag's TTL, then (index into KEYS, field, value) per event to cache. Caches the events, then
# answers COVERED when a waiting task already covers `day`, else sets the flag (1) or lowers its day (2).
_CACHE_AND_MARK = """
for i = 4, #ARGV, 3 do
  local k = KEYS[tonumber(ARGV[i])]
  redis.call('HSET', k, ARGV[i + 1], ARGV[i + 2])
  redis.call('EXPIRE', k, ARGV[2])
end
local d = redis.call('GET', KEYS[1])
if d and d <= ARGV[1] then return 0 end
if d then
  redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
  return 2
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""
COVERED = 0


def _cache_and_mark(user_id: str, day: str, cached: list[tuple[str, str, bytes]]) -> int:
    keys = [queued_flag(user_id), *sorted({day_cache.key(user_id, d) for d, _f, _v in cached})]
    slot = {k: i + 1 for i, k in enumerate(keys)}
    args: list = [day, day_cache.TTL_S, QUEUED_FLAG_TTL_S]
    for d, field, value in cached:
        args += [slot[day_cache.key(user_id, d)], field, value]
    return int(redis_client.client.eval(_CACHE_AND_MARK, len(keys), *keys, *args))


def _ensure_task(celery_app: Celery, user_id: str) -> bool:
    """Send a task for the person unless one of theirs is queued and not started yet: that one reads every
    request stored before it starts. True when one was sent."""
    try:
        if not redis_client.client.set(sent_key(user_id), "1", nx=True, ex=SENT_TTL_S):
            return False
        enqueue(celery_app, RECOMPUTE_PERSON, user_id=user_id)
        return True
    except (redis.RedisError, OperationalError) as exc:
        with contextlib.suppress(redis.RedisError):
            redis_client.client.delete(sent_key(user_id))
        # The request is durable in MongoDB; the sweeper sends it once Redis is back.
        log.warning("recompute signal deferred to the sweeper", extra={"reason": str(exc)[:200]})
        return False


def task_started(user_id: str) -> None:
    """For the person's own task as it starts, before it reads the requests: later writes send another."""
    redis_client.client.delete(sent_key(user_id))


def request_recompute(
    celery_app: Celery,
    user_id: str,
    days: Iterable[date | str],
    cached: list[tuple[str, str, bytes]] | None = None,
    *,
    reread: bool = False,
) -> bool:
    """Mark `days` (and everything after them) out of date for `user_id`, after caching the written
    events' `cached` entries (shared/day_cache.py); True when a task was sent. `reread`: the cache may
    lack events already stored on these days, so the task reads them from MongoDB, even where a waiting
    task covers the day (a write retried after its first attempt died between storing and signalling).

    The flag is set before the request is stored, and a task reads the requests before it takes the
    flags: so a flag a task leaves behind always has a request stored after that read, which the next
    batch finds (waiting_people), and the writes it covers never wait for the person's own task. That
    task is sent after the request is stored, unless one that has not started yet will read it."""
    days = [d if isinstance(d, str) else d.isoformat() for d in days]
    if not days:
        return False
    day = min(days)
    # A task that has not started yet will read every event, from its flag's day on: if that day is no
    # later than ours, this write is covered and needs no request of its own.
    try:
        marked, full = _cache_and_mark(user_id, day, cached or []), reread
    except redis.RedisError as exc:
        marked, full = None, reread or bool(cached)  # the cache may lack these events: the task reads MongoDB
        log.warning("recompute signal deferred to the sweeper", extra={"reason": str(exc)[:200]})
    if marked == COVERED and not full:
        return False
    try:
        _requests.insert({"_id": user_id, "from_day": day, "full": full, "at": datetime.now(UTC)})
    finally:
        # Even when the request could not be stored: the flag set above needs a task to take it.
        sent = marked is not None and _ensure_task(celery_app, user_id)
    return sent


def take_requests(user_ids: list[str]) -> dict[str, dict]:
    """For a task as it starts: read these people's requests (the earliest day, and the count to delete
    them by when done), then take their flags (later writes then set them again).

    In that order: a flag set after the read belongs to a write whose request is stored after it too
    (request_recompute), so it stays pending. A flag taken is work taken even with no request read: a
    write sets its flag before it stores its request, and the writes its flag covered have none of their
    own. So the flag's day counts as a request."""
    read_at = datetime.now(UTC)
    stored = {r["_id"]: r for r in mongo.db[COLLECTION].find(one_or_in("_id", user_ids))}
    pipe = redis_client.client.pipeline(transaction=False)
    for user_id in user_ids:
        pipe.getdel(queued_flag(user_id))
    flags = dict(zip(user_ids, pipe.execute(), strict=True))
    taken: dict[str, dict] = {}
    for user_id in user_ids:
        request, flag = stored.get(user_id), flags[user_id]
        if request is None and not flag:
            continue
        taken[user_id] = {
            "user_id": user_id,
            "from_day": min(d for d in (request and request["from_day"], flag) if d),
            "full": bool(request and request.get("full")),
            "since": request and request.get("at"),  # the oldest write this task brings up to date
            "requests": request and request["requests"],
            "read_at": read_at,
        }
    return taken


def waiting_people(limit: int, exclude: str, since: str) -> list[str]:
    """Up to `limit` other people with requests pending (their task is queued, or their signal was lost)
    from `since` on: a task recomputes them along with its own person. People with older days pending
    (a late sync, a rebuild) wait for their own task, so a batch stays short."""
    # A request of the earlier shape has no person for `_id`: it waits for the sweeper to fold it in.
    query = {"_id": {"$ne": exclude}, "from_day": {"$gte": since}, "user_id": {"$exists": False}}
    return [r["_id"] for r in mongo.db[COLLECTION].find(query, {"_id": 1}).limit(limit)]


def finish_requests(requests: Iterable[dict]) -> None:
    """Delete the requests these tasks handled, each only if none arrived since it was read: those keep
    the person pending for the next task. One delete command (one commit on our FerretDB build, 0012),
    each statement atomic against the upserts (0014)."""
    requests = [r for r in requests if r.get("requests")]
    collection = mongo.db[COLLECTION]
    if requests:
        done = collection.bulk_write(
            [DeleteOne({"_id": r["user_id"], "requests": r["requests"]}) for r in requests]
        )
        if done.deleted_count < len(requests):
            # The writes still pending all came after the read, so none is older than it: freshness and
            # the backlog's age count from there, not from the writes this task brought up to date.
            collection.bulk_write(
                [UpdateOne({"_id": r["user_id"]}, {"$max": {"at": r["read_at"]}}) for r in requests]
            )
    now = datetime.now(UTC)
    for request in requests:
        metrics.FRESHNESS.observe(max(0.0, (now - request["since"]).total_seconds()))


def backlog() -> tuple[int, float]:
    """People with recompute requests waiting, and the age in seconds of the oldest (0 when none)."""
    count = mongo.db[COLLECTION].count_documents({})
    oldest = next(iter(mongo.db[COLLECTION].find({}, {"at": 1}).sort("at", ASCENDING).limit(1)), None)
    age = (datetime.now(UTC) - oldest["at"]).total_seconds() if oldest and oldest.get("at") else 0.0
    return count, max(0.0, age)


def is_pending(user_id: str) -> bool:
    return mongo.db[COLLECTION].find_one({"_id": user_id}, {"_id": 1}) is not None


def sweep(celery_app: Celery, before: datetime) -> int:
    """Send a task for every person with a request or a flag left since `before` (its signal was lost or
    deferred, or its writer died), unless one of theirs is still waiting to start. Requests of the earlier
    shape become their person's document first (stored before the old ones go, so a failure leaves them
    for the next sweep)."""
    left = list(mongo.db[COLLECTION].find({"at": {"$lt": before}}))
    if earlier := [r for r in left if "user_id" in r]:
        mongo.db[COLLECTION].bulk_write(
            [_upsert(r | {"_id": r["user_id"], "full": bool(r.get("full"))}) for r in earlier]
        )
        mongo.db[COLLECTION].delete_many(one_or_in("_id", [r["_id"] for r in earlier]))
    people = {r.get("user_id", r["_id"]) for r in left} | _flags_set_before(before)
    return sum(1 for user_id in sorted(people) if _ensure_task(celery_app, user_id))


def _flags_set_before(before: datetime) -> set[str]:
    """People whose flag was set before `before`. A flag is taken by the task it waits for, unless its
    writer died between setting it and storing its request: then it would go on covering the person's
    writes with no task to do them. A task sent for it takes it; where one is still queued, none is sent."""
    oldest_ttl = QUEUED_FLAG_TTL_S - (datetime.now(UTC) - before).total_seconds()
    prefix = queued_flag("")
    try:
        flags = list(redis_client.client.scan_iter(match=queued_flag("*"), count=500))
        pipe = redis_client.client.pipeline(transaction=False)
        for flag in flags:
            pipe.ttl(flag)
        ttls = pipe.execute()
    except redis.RedisError:  # the requests stored meanwhile are swept all the same
        return set()
    return {
        flag.removeprefix(prefix) for flag, ttl in zip(flags, ttls, strict=True) if 0 <= ttl <= oldest_ttl
    }


def forget(user_id: str) -> None:
    """Erasure: drop the person's requests, flags and cached days."""
    mongo.db[COLLECTION].delete_one({"_id": user_id})
    mongo.db[COLLECTION].delete_many({"user_id": user_id})  # a request of the earlier shape
    with contextlib.suppress(redis.RedisError):
        redis_client.client.delete(queued_flag(user_id), sent_key(user_id))
        day_cache.forget(user_id)
