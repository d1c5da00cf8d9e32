"""Reading the workers' summaries: the latest days packed into the person's document, and the rule for
when they hold the days asked for.

The summaries workers keep the latest days in `person_summaries.recent_days` (see
services/workers/summaries/service.py RECENT_DAYS), so a report or a summaries page reads one document
instead of a day document per day. They are stored packed: BSON, zlib-compressed, as one binary value.
FerretDB 1.x finds even a document by _id by parsing every stored document's JSON, and an unpacked list
of days made each person's document ~170 KB of it (1,000 people: 177 MB parsed per lookup); packed, it is
a few KB. The day documents stay the queryable source; this copy is rewritten with them.

They cover a range when they start on or before it, or when they hold the person's whole history.
"""

from __future__ import annotations

import zlib

import bson

from shared.mongo import mongo


def pack_days(days: list[dict]) -> bytes:
    return zlib.compress(bson.encode({"days": days}), 6)


def unpack_days(packed: bytes | list[dict] | None) -> list[dict]:
    """The days, from a packed value (or an unpacked list, as documents written before packing hold)."""
    if not packed:
        return []
    if isinstance(packed, list):
        return packed
    # Decoded as the client decodes documents (time zone aware), so both copies of a day compare equal.
    return bson.decode(zlib.decompress(packed), codec_options=mongo.db.codec_options)["days"]


def recent_days_between(person: dict | None, start: str, end: str) -> list[dict] | None:
    """The person's recent days from `start` to `end`, or None when the document does not cover them."""
    recent = unpack_days((person or {}).get("recent_days"))
    if not recent or (recent[0]["day"] > start and recent[0]["day"] != person.get("first_day")):
        return None
    return [day for day in recent if start <= day["day"] <= end]
