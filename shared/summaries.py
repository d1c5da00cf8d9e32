"""The workers' summaries as stored, and the only module that reads or writes them: `day_summaries`,
`day_summaries_packed` and `person_summaries`. Readers ask `summary_days(person, start, end)` and
`find_person`; the summaries workers write through `write_days_of` and `write_persons`. How the days are
laid out below is this module's business alone: every rule of order it rests on is here.

The layout is tuned for FerretDB on SQLite, where even an indexed read decodes each document's JSON in Go
(~0.5 ms per day document); docs/benchmarks.md ("Storage on the patched server") measures that each of
these still pays there:

- The latest days (services/workers/summaries/service.py RECENT_DAYS) ride in the person's document,
  packed (BSON, zlib: a few KB), so a summaries page or a report reads one document. They cover a range
  when they start on or before it, or when they hold the whole history.
- A day gets its own document in `day_summaries` only once it is over (before the person's `today` when
  the worker wrote): the days from `today` on change with every event and are held by the person's
  document alone, so a fresh event rewrites one document. `summary_days` adds them to the day documents.
- A recompute starts from a packed copy of the person's day documents (`day_summaries_packed`, one
  document), written after the days and removed before them, and trusted only when the person's document
  names it (`days_at`).

The writes are plain bulk writes of replacements (ReplaceOne, upsert): FerretDB runs each update command in
one SQLite transaction (deploy/ferretdb/patches/0012), so a chunk of them costs one commit, not one per
document (docs/benchmarks.md, "One commit per update command"), and a reader never meets a document
missing while it is rewritten, as it could between the delete and the insert this replaced.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import bson
from pymongo import ASCENDING, DeleteOne, ReplaceOne

from shared import rekey
from shared.mongo import mongo, one_or_in

PERSONS = "person_summaries"
DAYS = "day_summaries"
# The packed copy of each person's day documents (`_id` = the person), rewritten only when the days change.
DAY_COPIES = "day_summaries_packed"


def find_person(user_id: str, projection: dict | None = None) -> dict | None:
    """The person's summary document."""
    return mongo.db[PERSONS].find_one({"_id": user_id}, projection)


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


def _with_open_days(
    stored: list[dict], person: dict | None, recent: list[dict], start: str, end: str
) -> list[dict]:
    """Day documents read for `start`..`end`, with the days from the person's `today` on, which only their
    summary document holds (they replace any day document an earlier worker version stored), by day."""
    merged = {doc["day"]: doc for doc in stored}
    if opened := (person or {}).get("today"):
        for day in recent:
            if day["day"] >= opened and start <= day["day"] <= end:
                merged[day["day"]] = day
    return [merged[day] for day in sorted(merged)]


def _recent_days_between(person: dict | None, recent: list[dict], start: str, end: str) -> list[dict] | None:
    """The person's recent days from `start` to `end`, or None when the document does not cover them."""
    if not recent or (recent[0]["day"] > start and recent[0]["day"] != person.get("first_day")):
        return None
    return [day for day in recent if start <= day["day"] <= end]


def summary_days(user_id: str, start: str, end: str, person: dict | None = None) -> list[dict]:
    """The person's stored days from `start` to `end` (ISO dates, both included), oldest first, whichever
    way each is stored. `person`: their summary document when the caller has read it already."""
    person = find_person(user_id) if person is None else person
    # Unpacked once: a year's answer needs them twice (the range check, then the open days).
    recent = unpack_days((person or {}).get("recent_days"))
    if (between := _recent_days_between(person, recent, start, end)) is not None:
        return between
    stored = _copied_days(user_id, person)
    if stored is None:
        query = {"user_id": user_id, "day": {"$gte": start, "$lte": end}}
        stored = list(mongo.db[DAYS].find(query, {"_id": 0}))
    in_range = [day for day in stored if start <= day["day"] <= end]
    return _with_open_days(in_range, person, recent, start, end)


def _copied_days(user_id: str, person: dict | None) -> list[dict] | None:
    """The person's day documents from their packed copy, or None when their summary does not name it."""
    copy = mongo.db[DAY_COPIES].find_one({"_id": user_id}) if person else None
    if not _names(person, copy):
        return None
    return [{k: v for k, v in day.items() if k != "_id"} for day in unpack_days(copy["days"])]


def _names(person: dict | None, copy: dict | None) -> bool:
    """Whether the summary goes with this copy of the days: a copy it does not name may differ from them
    (a crash between the two writes, or a worker of a version that kept no copies). Summaries written
    before `days_at` existed were written with their copy every time."""
    named = (person or {}).get("days_at", (person or {}).get("computed_at"))
    return bool(copy and copy.get("computed_at") and copy["computed_at"] == named)


def ensure_indexes() -> None:
    mongo.db[DAYS].create_index([("user_id", ASCENDING), ("day", ASCENDING)], unique=True)


@dataclass
class Stored:
    """What is stored of one person's summaries, as a recompute needs it."""

    days: dict[str, dict] = field(default_factory=dict)  # their day documents, by day
    open_from: str | None = None  # the first day only their summary document holds (its `today`)
    copy_at: datetime | None = None  # the packed copy's stamp, when it was the copy the days came from
    params: str | None = None  # the fingerprint of the detector and parameters their summary was built with


def stored_days_of(user_ids: list[str]) -> dict[str, Stored]:
    """Each person's stored day documents: from their packed copy when their summary document names it
    (`days_at`, the stamp of the write that last changed their days), else from the day documents
    themselves, in one query."""
    found = {u: Stored() for u in user_ids}
    persons = mongo.db[PERSONS].find(
        one_or_in("_id", user_ids), {"computed_at": 1, "days_at": 1, "today": 1, "params": 1}
    )
    summary = {}
    for person in persons:
        found[person["_id"]].open_from = person.get("today")
        found[person["_id"]].params = person.get("params")
        summary[person["_id"]] = person
    for copy in mongo.db[DAY_COPIES].find(one_or_in("_id", user_ids)) if summary else ():
        if _names(summary.get(copy["_id"]), copy):
            found[copy["_id"]].days = {doc["day"]: doc for doc in unpack_days(copy["days"])}
            found[copy["_id"]].copy_at = copy["computed_at"]
    if missing := [u for u, stored in found.items() if stored.copy_at is None]:
        for doc in mongo.db[DAYS].find(one_or_in("user_id", missing)):
            found[doc["user_id"]].days[doc["day"]] = doc
    for stored in found.values():
        if stored.open_from is None and stored.days:
            # No summary document (a crash between the person's first days and their first summary):
            # every day has a document up to the last one stored, and the days after it are still open.
            stored.open_from = (date.fromisoformat(max(stored.days)) + timedelta(days=1)).isoformat()
    return found


# Statements per bulk write: each is one transaction on FerretDB, holding SQLite's one writer while it runs,
# so ingestion's inserts wait for one chunk at most (50 day upserts: 12-25 ms here, docs/benchmarks.md).
WRITE_CHUNK = 50


def write_days_of(
    changes: dict[str, tuple[list[dict], list[str]]], after: dict[str, list[dict]], computed_at: datetime
) -> None:
    """Store day documents for one or more people: per person, (the new or changed documents, the stored days
    that no longer exist), and in `after` all of each person's day documents once written, for their packed
    copy, stamped `computed_at`; their summary documents, written next (write_persons), name that stamp as
    their `days_at`.

    The copies are removed first and written last, so a crash in between leaves no copy behind that differs
    from the days (the next run reads the days; the person's recompute request is still pending)."""
    people = list(after)
    for start in range(0, len(people), WRITE_CHUNK):
        mongo.db[DAY_COPIES].delete_many(one_or_in("_id", people[start : start + WRITE_CHUNK]))
    statements: list[DeleteOne | ReplaceOne] = []
    for user_id, (changed, gone) in changes.items():
        replaced = {d["day"] for d in changed}
        statements += [DeleteOne({"_id": day_id(user_id, day)}) for day in gone if day not in replaced]
        statements += [_replace(_day_document(user_id, d)) for d in changed]
    _bulk_write(DAYS, statements)
    copies = [
        {"_id": u, "computed_at": computed_at, "days": _pack_copy([_day_document(u, d) for d in after[u]])}
        for u in people
    ]
    for start in range(0, len(copies), WRITE_CHUNK):
        mongo.db[DAY_COPIES].insert_many(copies[start : start + WRITE_CHUNK], ordered=False)


def _pack_copy(days: list[dict]) -> bytes:
    return pack_days(days, 1)  # level 1: a year of days packs in ~5 ms, to a tenth of its size


def _day_document(user_id: str, day: dict) -> dict:
    return {"_id": day_id(user_id, day["day"]), "user_id": user_id, **day}


def write_persons(docs: dict[str, dict]) -> None:
    """Store these people's summary documents (their latest days, `recent_days`, packed here), each
    replaced whole."""
    _bulk_write(PERSONS, [_replace(_person_document(u, doc)) for u, doc in docs.items()])


def _person_document(user_id: str, doc: dict) -> dict:
    if isinstance(doc.get("recent_days"), list):
        doc = doc | {"recent_days": pack_days(doc["recent_days"])}
    return {"_id": user_id, **doc}


def _replace(doc: dict) -> ReplaceOne:
    return ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)


def _bulk_write(collection: str, statements: list[DeleteOne | ReplaceOne]) -> None:
    """The statements in order, WRITE_CHUNK per bulk write."""
    for start in range(0, len(statements), WRITE_CHUNK):
        mongo.db[collection].bulk_write(statements[start : start + WRITE_CHUNK])


def person_last_days() -> dict[str, str]:
    return {p["_id"]: p.get("today") for p in mongo.db[PERSONS].find({}, {"today": 1})}


def forget(user_id: str) -> None:
    mongo.db[DAY_COPIES].delete_one({"_id": user_id})
    mongo.db[DAYS].delete_many({"user_id": user_id})
    mongo.db[PERSONS].delete_one({"_id": user_id})


def reseal(keys: str, batch: int = rekey.BATCH) -> dict[str, rekey.Tally]:
    """Re-seal the custom symptom and medication names the summaries copy from the events (`label_enc`),
    under the first key: in the day documents, their packed copies and the days packed in the person's
    document (the key-rotation job; shared/rekey.py). The events' own copies are re-sealed apart, so the
    next recompute finds the two differ and rewrites those days once, with the events' value."""
    persons = rekey.reseal_documents(mongo.db[PERSONS], keys, {"recent_days": 0}, batch)
    persons += rekey.reseal_packed(
        mongo.db[PERSONS], "recent_days", keys, unpack=unpack_days, pack=pack_days, batch=batch
    )
    return {
        DAYS: rekey.reseal_documents(mongo.db[DAYS], keys, None, batch),
        DAY_COPIES: rekey.reseal_packed(
            mongo.db[DAY_COPIES], "days", keys, unpack=unpack_days, pack=_pack_copy, batch=batch
        ),
        PERSONS: persons,
    }
