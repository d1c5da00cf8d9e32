"""The admin list's read model in Redis: a rebuildable cache of the list's fields, kept in step by writes.

Our FerretDB pushes equality down but neither sorts, ranges nor counts (docs/ferretdb.md), so sorting,
filtering, searching or ranking the waitlist in MongoDB reads every entry. Here each entry is one hash of
the list's fields, plus sorted sets of ids for each order and filter (a place in line is a rank) and a
lexicographic set for prefix search. Every waitlist write calls `sync` once (a new sign-up `add_new`, erasure
`remove`); all are idempotent. `rebuild` refills it from MongoDB. Erasure removes every trace.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from datetime import time as clock
from typing import Any

from flask import current_app
from redis.client import Pipeline
from redis.exceptions import WatchError

from services.notification.waitlist import repository
from services.notification.waitlist.repository import CONFIRMED
from shared.redis_client import redis_client

PREFIX = "waitlist:index:"
# Present once a rebuild finished: the index is complete. The number names the layout; a new layout gets
# a new number, and the missing marker makes the first list view rebuild the index in the new shape.
READY = PREFIX + "ready:3"
LOCK = PREFIX + "rebuilding"
ERASED_DURING_REBUILD = PREFIX + "erased-during-rebuild"
CREATED = PREFIX + "created"  # every id, by created_at
LINE = PREFIX + "line"  # ids with a line_at (confirmed, invited, active), by line_at
PLACES = PREFIX + "places"  # confirmed ids by line_at, ties by id: a place in line is a rank here
EMAIL = PREFIX + "email"  # "email_key\0id", all score 0: lexicographic
SEARCH = PREFIX + "search"  # "lowercase email or name word\0id", all score 0: prefix search
SOURCES = PREFIX + "sources"  # every lower-cased source ever indexed; listed only while its set has ids
MAX_SOURCES = 100  # the filter's choices: sources come from landing links, so anyone can make new ones
FIELDS = (
    "email", "name", "status", "source", "created_at", "confirmed_at", "line_at", "referral_credits",
    "invited_at",
)  # fmt: skip
TIMES = ("created_at", "confirmed_at", "line_at", "invited_at")
LOCK_S = 120  # refreshed every batch; a crashed rebuild frees the lock this long after
BATCH = 1000
TEMP_S = 30  # temporary intersections are deleted at once; the expiry is for a crash in between
SEP = "\0"
# Erased ids, hashed, so that a sign-up indexing its new entry cannot put back one erased meanwhile. Outside
# PREFIX: a rebuild keeps them.
ERASED = "waitlist:erased:"
ERASED_S = 86400


def _hash_key(entry_id: str) -> str:
    return f"{PREFIX}e:{entry_id}"


def _status_key(status: str) -> str:
    return f"{PREFIX}status:{status}"


def _source_key(source: str) -> str:
    """One set per source, whatever its case: 'Reddit' and 'reddit' are one source."""
    return f"{PREFIX}source:{source.casefold()}"


def _score(moment: datetime) -> float:
    return moment.timestamp()


def _search_terms(email: str, name: str) -> set[str]:
    """Lowercase email, whole name and each word of the name: a prefix of any finds the entry."""
    terms = {email.lower()}
    if name:
        terms.add(name.lower())
        terms.update(word for word in name.lower().split() if word)
    return terms


def _remove_from(pipe: Pipeline, entry_id: str, stored: dict[str, str]) -> None:
    pipe.delete(_hash_key(entry_id))
    pipe.zrem(CREATED, entry_id)
    pipe.zrem(LINE, entry_id)
    pipe.zrem(PLACES, entry_id)
    if stored.get("status"):
        pipe.zrem(_status_key(stored["status"]), entry_id)
    if stored.get("source"):
        pipe.zrem(_source_key(stored["source"]), entry_id)
    if stored.get("email"):
        pipe.zrem(EMAIL, stored.get("email_key", "") + SEP + entry_id)
        terms = _search_terms(stored["email"], stored.get("name", ""))
        pipe.zrem(SEARCH, *(term + SEP + entry_id for term in terms))


def _stored(entry: dict[str, Any]) -> dict[str, str]:
    """The entry's hash as the index stores it."""
    row = {field: _text(entry.get(field)) for field in FIELDS}
    row["email_key"] = entry.get("email_key") or row["email"].lower()
    return row


def _put(pipe: Pipeline, entry: dict[str, Any]) -> None:
    entry_id = entry["_id"]
    row = _stored(entry)
    pipe.hset(_hash_key(entry_id), mapping=row)
    pipe.zadd(CREATED, {entry_id: _score(entry["created_at"])})
    if entry.get("line_at"):
        pipe.zadd(LINE, {entry_id: _score(entry["line_at"])})
        if row["status"] == CONFIRMED:
            pipe.zadd(PLACES, {entry_id: _score(entry["line_at"])})
    pipe.zadd(_status_key(row["status"]), {entry_id: _score(entry["created_at"])})
    if row["source"]:
        pipe.zadd(_source_key(row["source"]), {entry_id: _score(entry["created_at"])})
        pipe.sadd(SOURCES, row["source"].casefold())
    pipe.zadd(EMAIL, {row["email_key"] + SEP + entry_id: 0})
    pipe.zadd(SEARCH, {term + SEP + entry_id: 0 for term in _search_terms(row["email"], row["name"])})


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


def sync(entry_id: str) -> None:
    """Make the index match the entry as stored now (gone from MongoDB: gone from the index)."""
    entry = None
    with redis_client.client.pipeline() as pipe:
        for _ in range(10):
            try:
                # WATCH: two syncs of one entry at once must not leave the first one's set members behind.
                pipe.watch(_hash_key(entry_id))
                stored = pipe.hgetall(_hash_key(entry_id))
                entry = repository.find_by_id(entry_id)
                pipe.multi()
                if stored:
                    _remove_from(pipe, entry_id, stored)  # old status, source or name leave their sets
                if entry is not None:
                    _put(pipe, entry)
                pipe.execute()
                break
            except WatchError:
                continue
    # An erasure may have run between our read and our write; it must win, so look once more.
    if entry is not None and repository.find_by_id(entry_id) is None:
        remove(entry_id)


def _erased_key(entry_id: str) -> str:
    """Marks an erased entry for ERASED_S, under a hash of its id so that the mark names nobody."""
    return ERASED + hashlib.sha256(entry_id.encode()).hexdigest()[:32]


def add_new(entries: list[dict[str, Any]]) -> None:
    """Index entries their caller has just inserted, as inserted, in one round trip: a new id has no row yet
    and no other writer (its links are not sent yet), so nothing is read first. An erasure of its address
    can only follow the insert; its `remove` marks the id in one transaction. If the mark is there when
    this transaction runs, the row is taken out again; if it comes later, `remove` finds the row."""
    if not entries:
        return
    with redis_client.client.pipeline() as pipe:
        for entry in entries:
            _put(pipe, entry)
        for entry in entries:
            pipe.exists(_erased_key(entry["_id"]))
        erased = pipe.execute()[-len(entries) :]
    if any(erased):
        with redis_client.client.pipeline() as pipe:
            for entry, mark in zip(entries, erased, strict=True):
                if mark:
                    _remove_from(pipe, entry["_id"], _stored(entry))
            pipe.execute()


def remove(entry_id: str) -> None:
    """Erase the entry from the index: its hash and every set member naming it; mark the id erased."""
    with redis_client.client.pipeline() as pipe:
        for _ in range(10):
            try:
                # WATCH: a write of the row between our read and our removal must not leave members behind.
                pipe.watch(_hash_key(entry_id))
                stored = pipe.hgetall(_hash_key(entry_id))
                rebuilding = pipe.exists(LOCK)
                pipe.multi()
                _remove_from(pipe, entry_id, stored)
                pipe.set(_erased_key(entry_id), 1, ex=ERASED_S)
                if rebuilding:
                    # A rebuild may have read the entry before it was erased; it removes these ids at its end.
                    pipe.sadd(ERASED_DURING_REBUILD, entry_id)
                    pipe.expire(ERASED_DURING_REBUILD, LOCK_S * 10)
                pipe.execute()
                return
            except WatchError:
                continue


# Rebuilding


def _index_keys() -> Iterable[str]:
    for key in redis_client.client.scan_iter(match=PREFIX + "*", count=1000):
        if key != LOCK:
            yield key


def rebuild(progress: Any = None) -> int:
    """Refill the index from MongoDB (streamed, unsorted); the entry count. Raises if one is running."""
    client = redis_client.client
    token = uuid.uuid4().hex
    if not client.set(LOCK, token, nx=True, ex=LOCK_S):
        raise RuntimeError("a rebuild of the waitlist index is already running")
    try:
        client.delete(READY)
        keys = list(_index_keys())
        for start in range(0, len(keys), BATCH):
            client.unlink(*keys[start : start + BATCH])
        count = 0
        pipe = client.pipeline(transaction=False)
        for entry in repository.iter_list_rows((*FIELDS, "email_key")):
            _put(pipe, entry)
            count += 1
            if count % BATCH == 0:
                pipe.expire(LOCK, LOCK_S)
                pipe.execute()
                if progress:
                    progress(count)
        pipe.execute()
        for entry_id in client.smembers(ERASED_DURING_REBUILD):
            remove(entry_id)
        client.delete(ERASED_DURING_REBUILD)
        client.set(READY, datetime.now(UTC).isoformat())
        return count
    finally:
        if client.get(LOCK) == token:
            client.delete(LOCK)


def ensure_ready(wait_s: float) -> bool:
    """True when the index is complete; else start a background rebuild and wait up to wait_s for it."""
    client = redis_client.client
    if client.exists(READY):
        return True
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if not client.exists(LOCK) and not client.exists(READY):  # nobody is rebuilding: start one
            threading.Thread(target=_rebuild_in_background, args=(app,), daemon=True).start()
        time.sleep(0.1)
        if client.exists(READY):
            return True
    return False


def _rebuild_in_background(app: Any) -> None:
    with app.app_context():
        try:
            rebuild()
        except RuntimeError:
            pass  # another process won the lock and is rebuilding
        except Exception:
            app.logger.exception("rebuilding the waitlist index failed")


# Reading


def place_in_line(entry_id: str) -> int | None:
    """The entry's 1-based place among confirmed entries (by line_at, ties by id, as the count in MongoDB
    orders them), or None when the index is not complete or does not hold the entry as confirmed."""
    with redis_client.client.pipeline(transaction=False) as pipe:
        pipe.exists(READY)
        pipe.zrank(PLACES, entry_id)
        ready, rank = pipe.execute()
    return rank + 1 if ready and rank is not None else None


def known_sources(limit: int = MAX_SOURCES) -> list[tuple[str, int]]:
    """(lower-cased source, entries) for the sources that have entries, most entries first."""
    client = redis_client.client
    names = sorted(client.smembers(SOURCES))
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.zcard(_source_key(name))
    counted = list(zip(names, pipe.execute(), strict=True))
    gone = [name for name, count in counted if not count]
    if gone:
        client.srem(SOURCES, *gone)  # their last entry left (or was erased)
    return sorted(((n, c) for n, c in counted if c), key=lambda pair: (-pair[1], pair[0]))[:limit]


def _start_of(day: date) -> float:
    return datetime.combine(day, clock.min, tzinfo=UTC).timestamp()


def _row(entry_id: str, stored: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {"_id": entry_id}
    for field in FIELDS:
        value = stored.get(field, "")
        if field in TIMES:
            row[field] = datetime.fromisoformat(value) if value else None
        elif field == "referral_credits":
            row[field] = int(value) if value else 0
        else:
            row[field] = value or None
    return row


def rows(entry_ids: list[str]) -> list[dict[str, Any]]:
    """The list rows of these ids, in this order (ids erased meanwhile are skipped)."""
    pipe = redis_client.client.pipeline(transaction=False)
    for entry_id in entry_ids:
        pipe.hgetall(_hash_key(entry_id))
    return [_row(i, stored) for i, stored in zip(entry_ids, pipe.execute(), strict=True) if stored]


def _id_of(member: str) -> str:
    return member.rsplit(SEP, 1)[1]


def page(filters: dict[str, Any], page_size: int) -> tuple[list[dict[str, Any]], bool]:
    """One page of the list for these filters, and whether another follows."""
    client = redis_client.client
    offset = (filters.get("page", 1) - 1) * page_size
    wanted = page_size + 1
    sort = filters.get("sort") or "newest"
    temps: list[str] = []
    try:
        parts = _filter_sets(client, filters, temps)
        if sort == "email":
            ids = _email_order(client, parts, offset, wanted, temps)
        else:
            base = LINE if sort == "line" else CREATED
            if sort == "line" and not filters.get("status"):
                parts.append(_status_key(CONFIRMED))
            if parts:
                temp = _temp(temps)
                # Weight 0 for the filter sets: only the sort set's score orders the result.
                client.zinterstore(temp, {base: 1, **dict.fromkeys(parts, 0)}, aggregate="SUM")
                client.expire(temp, TEMP_S)
                base = temp
            ids = client.zrange(base, offset, offset + wanted - 1, desc=sort == "newest")
    finally:
        if temps:
            client.delete(*temps)
    found = rows(ids)
    return found[:page_size], len(ids) > page_size


def _temp(temps: list[str]) -> str:
    key = f"{PREFIX}tmp:{uuid.uuid4().hex}"
    temps.append(key)
    return key


def _filter_sets(client: Any, filters: dict[str, Any], temps: list[str]) -> list[str]:
    """Keys of sets holding exactly the ids each filter lets through (temporary ones are listed in temps)."""
    parts: list[str] = []
    if filters.get("status"):
        parts.append(_status_key(filters["status"]))
    if filters.get("source"):
        parts.append(_source_key(filters["source"]))
    low = _start_of(filters["created_from"]) if filters.get("created_from") else "-inf"
    high = f"({_start_of(filters['created_to']) + 86400}" if filters.get("created_to") else "+inf"
    if low != "-inf" or high != "+inf":
        temp = _temp(temps)
        client.zrangestore(temp, CREATED, low, high, byscore=True)
        client.expire(temp, TEMP_S)
        parts.append(temp)
    needle = (filters.get("q") or "").strip().lower()
    if needle:
        temp = _temp(temps)
        members = client.zrangebylex(SEARCH, "[" + needle, "[" + needle + "\xff")
        ids = {_id_of(member) for member in members}
        pipe = client.pipeline(transaction=False)
        for start in range(0, len(ids) or 1, BATCH * 10):
            chunk = list(ids)[start : start + BATCH * 10]
            if chunk:
                pipe.zadd(temp, dict.fromkeys(chunk, 0))
        pipe.expire(temp, TEMP_S)
        pipe.execute()
        parts.append(temp)
    return parts


def _email_order(client: Any, parts: list[str], offset: int, wanted: int, temps: list[str]) -> list[str]:
    """Ids by email: straight from the lexicographic set, or walking it and keeping the filtered ids."""
    if not parts:
        return [_id_of(m) for m in client.zrange(EMAIL, offset, offset + wanted - 1)]
    allowed = parts[0]
    if len(parts) > 1:
        allowed = _temp(temps)
        client.zinterstore(allowed, parts)
        client.expire(allowed, TEMP_S)
    if client.zcard(allowed) == 0:
        return []
    kept: list[str] = []
    start = 0
    while len(kept) < offset + wanted:
        members = client.zrange(EMAIL, start, start + BATCH * 5 - 1)
        if not members:
            break
        ids = [_id_of(m) for m in members]
        scores = client.zmscore(allowed, ids)
        kept.extend(i for i, score in zip(ids, scores, strict=True) if score is not None)
        start += len(members)
    return kept[offset : offset + wanted]
