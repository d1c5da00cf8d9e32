"""Reading the workers' summaries: the latest days packed into the person's document, and the rule for
when they hold the days asked for.

The summaries workers keep the latest days in `person_summaries.recent_days` (see
services/workers/summaries/service.py RECENT_DAYS), so a report or a summaries page reads one document
instead of a day document per day. They are stored packed: BSON, zlib-compressed, as one binary value.
FerretDB 1.x finds even a document by _id by parsing every stored document's JSON, and an unpacked list
of days made each person's document ~170 KB of it (1,000 people: 177 MB parsed per lookup); packed, it is
a few KB.

A day gets its own document in `day_summaries` only once it is over (before the person's `today` when the
worker wrote): the days from `today` on, which change with every event logged, are held by the person's
document alone, so keeping a summary fresh rewrites one document, not a day document too (on FerretDB 1.x
deleting the day document it replaces cost a decode of every stored day, most of a recompute).
`with_open_days` completes day documents read for a range with them.

The recent days cover a range when they start on or before it, or when they hold the whole history.

A worker rewrites person documents as one delete and one insert per batch (a replacement costs FerretDB
1.x a pass over every person's document under its one write lock), marking the people in Redis for that
moment: `find_person` waits it out instead of answering "no summary".
"""

from __future__ import annotations

import time
import zlib

import bson
import redis

from shared.mongo import mongo
from shared.redis_client import redis_client

PERSONS = "person_summaries"
WAIT_S, WAIT_STEP_S = 2.0, 0.02
REWRITE_MARK_S = 10  # a mark whose worker died stops making readers wait after this


def rewriting_key(user_id: str) -> str:
    """Set by a worker for the moment between deleting the person's document and inserting its new one."""
    return f"summaries:rewriting:{user_id}"


def find_person(user_id: str, projection: dict | None = None) -> dict | None:
    """The person's summary document; one missing while it is being rewritten is waited for."""
    deadline = time.monotonic() + WAIT_S
    while True:
        doc = mongo.db[PERSONS].find_one({"_id": user_id}, projection)
        if doc is not None or time.monotonic() > deadline:
            return doc
        try:
            if not redis_client.client.exists(rewriting_key(user_id)):
                return None
        except redis.RedisError:
            return None
        time.sleep(WAIT_STEP_S)


def pack_days(days: list[dict], level: int = 6) -> bytes:
    """Days as one binary value: BSON, zlib-compressed at `level` (1 is ~2x faster, ~1.5x larger)."""
    return zlib.compress(bson.encode({"days": days}), level)


def unpack_days(packed: bytes | list[dict] | None) -> list[dict]:
    """The days, from a packed value (or an unpacked list, as documents written before packing hold)."""
    if not packed:
        return []
    if isinstance(packed, list):
        return packed
    # Decoded as the client decodes documents (time zone aware), so both copies of a day compare equal.
    return bson.decode(zlib.decompress(packed), codec_options=mongo.db.codec_options)["days"]


def day_id(user_id: str, day: str) -> str:
    """A day document's `_id`: looked up by it, a day is found without a scan on FerretDB 1.x too."""
    return f"{user_id}:{day}"


def with_open_days(stored: list[dict], person: dict | None, start: str, end: str) -> list[dict]:
    """Day documents read for `start`..`end`, with the days from the person's `today` on, which only their
    summary document holds (they replace any day document an earlier worker version stored), by day."""
    merged = {doc["day"]: doc for doc in stored}
    if opened := (person or {}).get("today"):
        for day in unpack_days(person.get("recent_days")):
            if day["day"] >= opened and start <= day["day"] <= end:
                merged[day["day"]] = day
    return [merged[day] for day in sorted(merged)]


def recent_days_between(person: dict | None, start: str, end: str) -> list[dict] | None:
    """The person's recent days from `start` to `end`, or None when the document does not cover them."""
    recent = unpack_days((person or {}).get("recent_days"))
    if not recent or (recent[0]["day"] > start and recent[0]["day"] != person.get("first_day")):
        return None
    return [day for day in recent if start <= day["day"] <= end]
