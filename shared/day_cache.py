"""The latest days' events in Redis, so a summaries worker need not read them back from MongoDB.

Ingestion writes each accepted event (the fields the summaries read) into a hash per person and local day,
in the same Redis script that checks whether a waiting recompute covers the write: after the event is
durable in MongoDB and before that check, which is where a waiting task would otherwise have to find it in
MongoDB (shared/recompute.py). A deletion writes a tombstone in its place.

A worker that reads a person's events from MongoDB first empties the cached days' hashes, then fills them
from what it read without overwriting what ingestion wrote meanwhile (so a later tombstone wins), and marks
each complete. From then on it reads those days here. A mark names the Redis server's run: a restart, which
may lose the last second's writes, voids every mark. A write that could not reach Redis leaves a recompute
request asking for a read from MongoDB. Hashes expire after a few days; erasure deletes them.

Every recompute reads the person's whole day again, and FerretDB decodes each event it returns from JSON
(~0.1 ms, even when the index finds them): on FerretDB this is what keeps a busy person's summaries fresh
(docs/benchmarks.md, "Without the Redis day cache"); on MongoDB it saves an indexed read per recompute.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import bson

from shared.mongo import mongo
from shared.redis_client import redis_client

# The fields of an event the summaries read (services/workers/summaries/service.py observation).
FIELDS = ("_id", "user_id", "event_id", "type", "occurred_at", "local_day", "data", "red_flag", "known_code")
DAYS_BEFORE, DAYS_AFTER = 2, 1  # the person's today, two days before and one after (clock tolerance)
TTL_S = 4 * 24 * 3600
COMPLETE = "complete"  # the field holding the run id of the server the hash was filled on
TOMBSTONE = b"-"
# Ingestion caches events from this many days before today (UTC) on: every person's cached days.
WRITE_FROM_DAYS = DAYS_BEFORE + 1


def key(user_id: str, day: str) -> str:
    return f"dayevents:{user_id}:{day}"


def cached_days(today: str) -> list[str]:
    first = date.fromisoformat(today) - timedelta(days=DAYS_BEFORE)
    return [(first + timedelta(days=i)).isoformat() for i in range(DAYS_BEFORE + 1 + DAYS_AFTER)]


def _value(doc: dict) -> bytes:
    return bson.encode({k: doc.get(k) for k in FIELDS})


def entries(docs: Iterable[dict], today_utc: date) -> list[tuple[str, str, bytes]]:
    """(day, field, value) for the stored events ingestion caches: those of recent days."""
    since = (today_utc - timedelta(days=WRITE_FROM_DAYS)).isoformat()
    return [(d["local_day"], str(d["_id"]), _value(d)) for d in docs if d["local_day"] >= since]


def tombstone(doc: dict) -> tuple[str, str, bytes]:
    return doc["local_day"], str(doc["_id"]), TOMBSTONE


def run_id() -> str:
    return redis_client.client.info("server")["run_id"]


def read(wanted: dict[str, list[str]], run: str) -> dict[str, list[dict]]:
    """Each person's cached events on the days asked for, for the people whose every day asked for is
    complete on this run; the others are left out."""
    pipe = redis_client.binary.pipeline(transaction=False)
    for user_id, days in wanted.items():
        for day in days:
            pipe.hgetall(key(user_id, day))
    hashes = iter(pipe.execute())
    found: dict[str, list[dict]] = {}
    options = mongo.db.codec_options  # decoded as documents read from MongoDB are
    for user_id, days in wanted.items():
        per_day = [next(hashes) for _ in days]
        if all(h.get(COMPLETE.encode()) == run.encode() for h in per_day):
            found[user_id] = [
                bson.decode(value, codec_options=options)
                for h in per_day
                for field, value in h.items()
                if field != COMPLETE.encode() and value != TOMBSTONE
            ]
    return found


def clear(people: dict[str, list[str]]) -> None:
    """Before reading these people's events from MongoDB: what ingestion writes from now on survives."""
    keys = [key(user_id, day) for user_id, days in people.items() for day in days]
    if keys:
        redis_client.client.delete(*keys)


def fill(user_id: str, days: list[str], events: list[dict], run: str) -> None:
    """After that read: the read's events where ingestion wrote nothing meanwhile, then the marks."""
    pipe = redis_client.client.pipeline(transaction=False)
    for doc in events:
        if doc["local_day"] in days:
            pipe.hsetnx(key(user_id, doc["local_day"]), str(doc["_id"]), _value(doc))
    for day in days:
        pipe.hset(key(user_id, day), COMPLETE, run)
        pipe.expire(key(user_id, day), TTL_S)
    pipe.execute()


def forget(user_id: str) -> None:
    """Erasure: every cached day of the person."""
    keys = list(redis_client.client.scan_iter(match=key(user_id, "*"), count=500))
    if keys:
        redis_client.client.delete(*keys)


def distrust_all(batch: int = 500) -> int:
    """Key rotation: take the complete mark off every cached day (as a Redis restart does), so each is read
    from MongoDB, where its events were re-sealed, and refilled before it is trusted again; what it held,
    perhaps sealed with the key being retired, is never read. Events written meanwhile stay in their hash.
    How many days were marked."""
    marked = 0
    pipe = redis_client.client.pipeline(transaction=False)
    for name in redis_client.client.scan_iter(match=key("*", "*"), count=batch):
        pipe.hdel(name, COMPLETE)
        if len(pipe) >= batch:
            marked += sum(pipe.execute())
    return marked + sum(pipe.execute())
