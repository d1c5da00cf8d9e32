"""Our FerretDB patches (deploy/ferretdb/patches/, docs/ferretdb.md), through pymongo against the built
server: lookups and write-backs by `_id`, equality and string ranges on an indexed field search their index
(SQLite's own plan), pushdown never changes what a filter matches, concurrent updates of one document all
count (a conditional delete beside them too), an update or delete command is one SQLite commit with
MongoDB's answers, and stored documents of every type read back as written (malformed ones as an error)."""

from __future__ import annotations

import datetime
import json
import os
import re
import sqlite3
import struct
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pymongo
import pytest
from bson import Binary, Int64, ObjectId, Regex, Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import DeleteOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure

from tests.support.servers import FerretDB

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_MONGO_URI")), reason="FerretDB's own SQLite plans; MongoDB needs no patches"
)

THREADS, INCREMENTS = 4, 100


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[FerretDB]:
    """A FerretDB of its own: the test reads its SQLite files and its log of SQL statements (debug level)."""
    ferretdb = FerretDB(tmp_path_factory.mktemp("ferretdb-patches"), log_level="debug").start()
    yield ferretdb
    ferretdb.stop()


@pytest.fixture
def client(server) -> Iterator[pymongo.MongoClient]:
    mongo = pymongo.MongoClient(server.uri)
    mongo.drop_database("patches")
    yield mongo
    mongo.close()


def plan(client: pymongo.MongoClient, collection: str, filter_: dict) -> str:
    """SQLite's query plan for a find, as FerretDB's explain reports it."""
    explained = client.patches.command("explain", {"find": collection, "filter": filter_})
    return "\n".join(explained["queryPlanner"]["Plan"])


def statements_since(server: FerretDB, offset: int) -> list[tuple[str, list]]:
    """The SQL statements (and their arguments) the server logged after `offset` bytes of its log."""
    with (server.dir / "ferretdb.log").open(encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        lines = log.read().splitlines()
    found = []
    for line in lines:
        fields = line.split("\t")
        for i, field in enumerate(fields):
            if field.startswith(">>> "):
                args = (json.loads(fields[i + 1]).get("args") or []) if i + 1 < len(fields) else []
                found.append((field[4:], args))
    return found


def sqlite_plan(server: FerretDB, sql: str, args: list) -> str:
    """SQLite's plan for a statement on the server's database file, opened read-only."""
    path = server.dir / "data" / "patches.sqlite"
    # Closed at once: a connection left open would break the server's next drop and re-create of the file.
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute("EXPLAIN QUERY PLAN " + sql, args)
        return "\n".join(row[3] for row in rows)


def log_size(server: FerretDB) -> int:
    return Path(server.dir / "ferretdb.log").stat().st_size


def wal_commits(server: FerretDB) -> int:
    """Commits in the server's write-ahead log of the `patches` database since it last restarted: frames of
    the log's current generation (its salts) that end a transaction (a nonzero database size)."""
    wal = (server.dir / "data" / "patches.sqlite-wal").read_bytes()
    page_size, salts = struct.unpack(">I", wal[8:12])[0], wal[16:24]
    commits = 0
    for offset in range(32, len(wal) - 24 - page_size + 1, 24 + page_size):
        if wal[offset + 8 : offset + 16] != salts:
            break
        commits += struct.unpack(">I", wal[offset + 4 : offset + 8])[0] != 0
    return commits


@contextmanager
def wal_kept(server: FerretDB) -> Iterator[None]:
    """A read transaction held on the database meanwhile: SQLite copies the log into the database file but
    never starts it over while a reader may need it, so every commit made meanwhile stays in it."""
    path = server.dir / "data" / "patches.sqlite"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)) as db:
        db.execute("BEGIN")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        yield
        db.execute("COMMIT")


def concurrently(server: FerretDB, *works) -> None:
    """Run each `work(mongo)` in a thread of its own, with a client of its own, connected before any starts;
    raise the first error any of them met."""
    barrier = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work) -> None:
        mongo = pymongo.MongoClient(server.uri)
        try:
            mongo.patches.command("ping")
            barrier.wait()
            work(mongo)
        except BaseException as exc:  # noqa: BLE001 - raised by the main thread
            errors.append(exc)
        finally:
            mongo.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def test_a_lookup_by_id_searches_the_id_index(client):
    docs = client.patches.docs
    docs.insert_many([{"_id": f"doc-{n}", "n": n} for n in range(50)] + [{"_id": ObjectId(), "n": 50}])

    for filter_ in (
        {"_id": "doc-7"},
        {"_id": ObjectId()},
        {"_id": 12345},
        {"_id": "doc-7", "n": {"$gte": 0}},
    ):
        found = plan(client, "docs", filter_)
        assert "USING INDEX" in found and "__id_ " in found, filter_
    assert docs.find_one({"_id": "doc-7", "n": {"$gte": 0}}) == {"_id": "doc-7", "n": 7}


def test_updates_and_deletes_by_id_write_back_through_the_id_index(client, server):
    docs = client.patches.docs
    docs.insert_many([{"_id": f"doc-{n}", "n": n} for n in range(50)])
    start = log_size(server)

    docs.update_one({"_id": "doc-3"}, {"$inc": {"n": 1}})
    docs.find_one_and_update({"_id": "doc-4"}, {"$set": {"n": 0}})
    docs.delete_one({"_id": "doc-5"})

    writes = [
        (sql, args)
        for sql, args in statements_since(server, start)
        if sql.startswith(("UPDATE", "DELETE")) and "_ferretdb_collections" not in sql
    ]
    assert [sql.split()[0] for sql, _ in writes] == ["UPDATE", "UPDATE", "DELETE"]
    for sql, args in writes:
        found = sqlite_plan(server, sql, args)
        assert "SEARCH" in found and "USING INDEX" in found, sql
    assert docs.find_one({"_id": "doc-3"})["n"] == 4 and docs.find_one({"_id": "doc-5"}) is None


def test_equality_on_an_indexed_field_searches_its_index(client):
    docs = client.patches.docs
    owner = ObjectId()
    docs.insert_many(
        [{"user_id": f"user-{n % 10}", "owner": owner, "n": n, "day": n % 7} for n in range(100)]
    )
    docs.create_index("user_id")
    docs.create_index([("owner", 1), ("day", -1)])

    for filter_ in (
        {"user_id": "user-3"},
        {"user_id": "user-3", "n": {"$gt": 5}},
        {"user_id": {"$eq": "user-3"}},
        {"user_id": {"$in": ["user-3", "user-4"]}},
        {"owner": owner},
        {"owner": owner, "day": {"$gte": 3}},
        {"user_id": 2.5},
        {"user_id": 0},
        {"user_id": None},
        {"user_id": {"$in": ["user-3", None]}},
    ):
        found = plan(client, "docs", filter_)
        assert "USING INDEX" in found and "SCAN" not in found, filter_
    # Not pushed down: a field no index has, or not after the index's first keys.
    for filter_ in ({"n": 3}, {"day": 3}):
        assert "SCAN" in plan(client, "docs", filter_), filter_
    assert docs.count_documents({"user_id": "user-3", "n": {"$gt": 5}}) == 9
    assert docs.count_documents({"user_id": {"$in": ["user-3", "user-4", "none"]}}) == 20


def test_an_in_of_one_type_is_one_search_of_the_index(client):
    """A `$in` on an index's first key is one IN list per type, which SQLite's search of the index consumes
    with the range on the next key, not a search per value whose rows get the whole filter tested again."""
    docs = client.patches.docs
    docs.insert_many([{"user_id": f"user-{n % 10}", "day": n % 7, "n": n} for n in range(100)])
    docs.create_index([("user_id", 1), ("day", 1)])
    people = ["user-3", "user-4", "user-7", "nobody"]

    for filter_ in ({"user_id": {"$in": people}}, {"user_id": {"$in": people}, "day": {"$gte": 3}}):
        found = plan(client, "docs", filter_)
        assert found.count("SEARCH") == 1 and "USING INDEX" in found, found
        assert "MULTI-INDEX OR" not in found, found
    got = sorted(doc["n"] for doc in docs.find({"user_id": {"$in": people}, "day": {"$gte": 3}}))
    assert got == [n for n in range(100) if n % 10 in (3, 4, 7) and n % 7 >= 3]


def test_concurrent_increments_of_one_document_are_all_kept(client, server):
    client.patches.counters.insert_one({"_id": "counter", "n": 0, "claims": 0})
    seen: list[int] = []

    def increment(mongo: pymongo.MongoClient) -> None:
        counters = mongo.patches.counters
        for _ in range(INCREMENTS):
            counters.update_one({"_id": "counter"}, {"$inc": {"n": 1}})
            before = counters.find_one_and_update({"_id": "counter"}, {"$inc": {"claims": 1}})
            seen.append(before["claims"])

    concurrently(server, *[increment] * THREADS)

    assert client.patches.counters.find_one({"_id": "counter"}) == {
        "_id": "counter",
        "n": THREADS * INCREMENTS,
        "claims": THREADS * INCREMENTS,
    }
    assert sorted(seen) == list(range(THREADS * INCREMENTS))  # each findAndModify saw its own value


def test_concurrent_upserts_with_one_filter_make_one_document(client, server):
    """Claims written as upserts (`$inc` or `$setOnInsert` on a filter that may match nothing yet)."""

    def upsert(mongo: pymongo.MongoClient) -> None:
        for _ in range(INCREMENTS // 4):
            mongo.patches.counters.update_one({"name": "fresh"}, {"$inc": {"n": 1}}, upsert=True)

    concurrently(server, *[upsert] * THREADS)

    assert [doc["n"] for doc in client.patches.counters.find({"name": "fresh"})] == [
        THREADS * INCREMENTS // 4
    ]


def test_an_upsert_stores_set_on_insert_nulls_and_empty_arrays(client):
    """As MongoDB does: a claim record written with `{"used_at": None}` must read back with it."""
    client.patches.claims.update_one(
        {"_id": "c"}, {"$setOnInsert": {"used_at": None, "tags": [], "n": 1}}, upsert=True
    )
    assert client.patches.claims.find_one({"_id": "c"}) == {"_id": "c", "used_at": None, "tags": [], "n": 1}


# Values whose JSON text in FerretDB's storage is the same for different types or different for equal
# values: strings that look like ObjectIds or numbers, ints/longs/doubles that are equal, -0.0, 2^53 and
# beyond, escapes, arrays (a top-level equality matches their elements), documents, null.
OIDS = [ObjectId("5f0000000000000000000001"), ObjectId("5f0000000000000000000002")]
scalars = st.one_of(
    st.sampled_from(OIDS),
    st.sampled_from([str(o) for o in OIDS] + ["5", "a", 'q"<&\\', "\u2028é", ""]),
    st.text(alphabet='ab"\\<&\x01é', max_size=3),
    st.sampled_from([0, 5, -5, 2**31, 2**53, 2**53 + 1, 2**60, -(2**53), 2**63 - 1]),
    st.sampled_from([0.0, -0.0, 5.0, 5.5, -5.0, float(2**53), float(2**60), 1e21]),
    st.integers(-10, 10),
    st.booleans(),
    st.none(),
)
values = st.one_of(
    scalars, st.lists(scalars, max_size=3), st.dictionaries(st.sampled_from(["a", "b"]), scalars, max_size=2)
)


def id_key(value: object) -> object:
    """_id values FerretDB's unique index treats as one (equal numbers; an ObjectId and its hex string)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


ids = st.one_of(
    st.sampled_from(OIDS), st.text(alphabet="ab5", max_size=3), st.integers(-10, 10), st.just(5.0)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(st.tuples(ids, values), max_size=12, unique_by=lambda d: id_key(d[0])),
    probes=st.lists(scalars, min_size=1, max_size=6),
)
def test_pushdown_never_changes_what_a_filter_matches(client, docs, probes):
    """The same documents with and without an index on `k`: every equality on `k` or `_id` matches the same
    documents, and an update with it changes the same ones."""
    client.drop_database("patches")
    indexed, plain = client.patches.indexed, client.patches.plain
    indexed.create_index("k")
    client.patches.create_collection("plain")
    stored = [{"_id": _id, "k": k} for _id, k in docs]
    if stored:
        indexed.insert_many(stored)
        plain.insert_many(stored)
    probes += [k for _, k in docs if not isinstance(k, list | dict)] + [_id for _id, _ in docs]

    conditions = probes + [{"$eq": probe} for probe in probes] + [{"$in": probes[:3]}, {"$in": probes[3:]}]
    for probe in conditions:
        for field in ("k", "_id"):
            # {$and: [...]} is the same filter, never pushed down: no top-level field.
            unpushed = {"$and": [{field: probe}]}
            expected = sorted(map(repr, plain.find(unpushed)))
            assert sorted(map(repr, indexed.find({field: probe}))) == expected, (field, probe)
            assert sorted(map(repr, plain.find({field: probe}))) == expected, (field, probe)

    for probe in conditions:
        matched = indexed.update_many({"k": probe}, {"$inc": {"hits": 1}}).matched_count
        assert matched == plain.update_many({"$and": [{"k": probe}]}, {"$inc": {"hits": 1}}).matched_count
    assert sorted(map(repr, indexed.find())) == sorted(map(repr, plain.find()))


DATES = [datetime.datetime(2026, 1, d, tzinfo=datetime.UTC) for d in (1, 2, 3)]
counted_values = st.one_of(
    scalars, st.sampled_from(DATES), st.lists(st.one_of(scalars, st.sampled_from(DATES)), max_size=2)
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(st.tuples(st.sampled_from(["x", "y", ["x"], None]), counted_values), max_size=12),
    probes=st.lists(st.one_of(scalars, st.sampled_from(DATES)), min_size=1, max_size=3),
)
def test_a_count_in_sql_matches_what_the_handler_counts(client, server, docs, probes):
    """count_documents with equalities and ranges of every type on the keys of a (g, k) index counts what it
    counts without an index, in SQL's COUNT when no array is where a condition is."""
    client.drop_database("patches")
    indexed, plain = client.patches.indexed, client.patches.plain
    indexed.create_index([("g", 1), ("k", 1)])
    client.patches.create_collection("plain")
    stored = [{"_id": n, "g": g, "k": k} for n, (g, k) in enumerate(docs)]
    if stored:
        indexed.insert_many(stored)
        plain.insert_many(stored)
    has_arrays = any(isinstance(value, list) for doc in stored for value in (doc["g"], doc["k"]))

    filters = [{}, {"g": "x"}, {"g": None}]
    for probe in probes:
        filters += [{"g": "x", "k": probe}, {"g": "x", "k": {"$gt": probe}}, {"g": "y", "k": {"$lte": probe}}]
        filters += [{"g": {"$in": ["x", "y"]}}, {"g": "x", "k": {"$in": [probe, 5]}}]
    for filter_ in filters:
        start = log_size(server)
        assert indexed.count_documents(filter_) == plain.count_documents(filter_), filter_
        in_sql = any(sql.startswith("SELECT COUNT(*)") for sql, _ in statements_since(server, start))
        if not has_arrays and "None" not in repr(filter_):  # ranges of null are left to the handler
            assert in_sql, filter_


def test_a_count_and_a_sorted_page_of_dates_search_the_index(client, server):
    """The waitlist's place in line and its newest entries: a count of a range of dates after an equality,
    and a sorted page, answered from the index without reading the documents."""
    entries = client.patches.entries
    entries.create_index([("status", 1), ("line_at", 1), ("_id", 1)])
    entries.create_index([("created_at", 1), ("_id", 1)])
    start_day = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    entries.insert_many(
        [
            {
                "_id": f"e{n:03}",
                "status": ("confirmed", "pending")[n % 2],
                "line_at": start_day + datetime.timedelta(hours=n // 4),
                "created_at": start_day + datetime.timedelta(minutes=n // 3),
            }
            for n in range(200)
        ]
    )
    mine = start_day + datetime.timedelta(hours=20)
    start = log_size(server)
    assert entries.count_documents({"status": "confirmed", "line_at": {"$lt": mine}}) == 40
    assert entries.count_documents({"status": "confirmed", "line_at": mine, "_id": {"$lt": "e082"}}) == 1
    counts = [
        (sql, args) for sql, args in statements_since(server, start) if sql.startswith("SELECT COUNT(*)")
    ]
    assert len(counts) == 2
    for sql, args in counts:
        found = sqlite_plan(server, sql, args)
        assert "USING" in found and "INDEX entries_" in found and "SCAN" not in found, found

    start = log_size(server)
    newest = [doc["_id"] for doc in entries.find().sort([("created_at", -1), ("_id", -1)]).limit(5)]
    assert newest == ["e199", "e198", "e197", "e196", "e195"]
    [(sql, args)] = sorted_reads(server, start)
    assert "TEMP B-TREE" not in sqlite_plan(server, sql, args)

    # A deep page: the skip is SQL's offset when the read is exactly the filter's documents (0015).
    since = {"created_at": {"$gte": start_day + datetime.timedelta(minutes=10)}}
    for filter_, skip, expected in (({}, 150, ["e049", "e048"]), (since, 160, ["e039", "e038"])):
        start = log_size(server)
        cursor = entries.find(filter_).sort([("created_at", -1), ("_id", -1)]).skip(skip).limit(2)
        assert [doc["_id"] for doc in cursor] == expected, filter_
        [(sql, _)] = sorted_reads(server, start)
        assert "OFFSET" in sql, sql


def test_an_index_made_by_an_earlier_build_is_rebuilt_typed_when_the_database_opens(tmp_path):
    """A database whose index keys are stored JSON texts, as builds before typed keys made them, gets typed
    keys at the next start, and its sorted reads and counts use them."""
    ferretdb = FerretDB(tmp_path, log_level="debug").start()
    with closing(pymongo.MongoClient(ferretdb.uri)) as mongo:
        mongo.old.entries.create_index([("status", 1), ("line_at", 1)], name="status_line_at")
        mongo.old.entries.insert_many([{"status": "confirmed", "line_at": n} for n in range(20)])
    ferretdb.stop()
    path = tmp_path / "data" / "old.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        [(table,)] = db.execute("SELECT tbl_name FROM sqlite_master WHERE name LIKE '%status_line_at'")
        db.execute(f'DROP INDEX "{table}_status_line_at"')
        db.execute(
            f'CREATE INDEX "{table}_status_line_at" ON "{table}" '
            '(_ferretdb_sjson->"status", _ferretdb_sjson->"line_at")'
        )

    ferretdb.start()
    try:
        with closing(pymongo.MongoClient(ferretdb.uri)) as mongo:
            start = log_size(ferretdb)
            assert mongo.old.entries.count_documents({"status": "confirmed", "line_at": {"$lt": 5}}) == 5
            assert any(sql.startswith("SELECT COUNT(*)") for sql, _ in statements_since(ferretdb, start))
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            [(sql,)] = db.execute("SELECT sql FROM sqlite_master WHERE name LIKE '%status_line_at'")
        assert "WHEN 'date' THEN 9" in sql
    finally:
        ferretdb.stop()


NAMES = ["Kate Smith", "KATE", "\u212aate", "Ma\u017fon", "mason", "Zoë", "ZOË", "a.b", "a+b", "x\\y", ""]
name_values = st.one_of(
    st.sampled_from(NAMES), st.lists(st.sampled_from(NAMES), max_size=2), st.none(), st.just(5)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(st.tuples(name_values, st.sampled_from(["a@x.org", "kate@y.org"])), max_size=10),
    needle=st.sampled_from(["kate", "KAT", "son", "MASON", "zoë", "Ë", "a.b", "+", "\\", "@x", "te s"]),
    options=st.sampled_from(["i", ""]),
)
def test_a_literal_search_in_sql_matches_what_the_handler_matches(client, server, docs, needle, options):
    """A regex that is a literal text (escaped as re.escape does), alone or in a `$or` with a range, with and
    without `i`, finds what the handler finds when it is not pushed down (inside `$and`), Kelvin sign and
    long s included, and is tested by SQLite when it is one."""
    client.drop_database("patches")
    people = client.patches.people
    people.create_index("email")
    stored = [{"_id": n, "name": name, "email": email} for n, (name, email) in enumerate(docs)]
    if stored:
        people.insert_many(stored)
    regex = {"$regex": re.escape(needle), "$options": options}
    for filter_ in ({"name": regex}, {"$or": [{"email": {"$gte": "k", "$lt": "l"}}, {"name": regex}]}):
        start = log_size(server)
        found = sorted(doc["_id"] for doc in people.find(filter_))
        searched = ("instr(" in sql or " LIKE " in sql for sql, _ in statements_since(server, start))
        assert any(searched) == (options == "" or needle.isascii()), filter_
        assert found == sorted(doc["_id"] for doc in people.find({"$and": [filter_]})), filter_


def test_a_string_range_after_an_equality_searches_the_compound_index(client):
    """The events' query for the days from one on: the person's equality and the day's range both narrow
    the search of the (user_id, local_day) index; so does a range on a field that leads an index."""
    events = client.patches.events
    events.create_index([("user_id", 1), ("local_day", 1)])
    events.create_index("day")
    events.insert_many(
        [
            {
                "user_id": f"user-{n % 10}",
                "local_day": f"2026-{n % 12 + 1:02}-{n % 28 + 1:02}",
                "deleted_at": None,
            }
            for n in range(200)
        ]
        + [{"user_id": "user-3", "local_day": "2026-12-01", "deleted_at": "gone", "day": "2026-12-01"}]
    )

    for filter_ in (
        {"user_id": "user-3", "local_day": {"$gte": "2026-11-01"}, "deleted_at": None},
        {"user_id": "user-3", "local_day": {"$gt": "2026-11-01"}},
        {"user_id": "user-3", "local_day": {"$lt": "2026-02-01"}},
        {"user_id": "user-3", "local_day": {"$gte": "2026-01-01", "$lte": "2026-01-31"}},
    ):
        found = plan(client, "events", filter_)
        # each key is two columns (its type's rank, its value): the person's two, the day's rank and range
        assert "_local_day_1 (<expr>=? AND <expr>=? AND <expr>=? AND <expr>" in found, filter_
        assert "SCAN" not in found, filter_
    found = plan(client, "events", {"day": {"$gte": "2026-11-01"}})
    assert "_day_1 (<expr>=? AND <expr>>?)" in found and "SCAN" not in found
    # Number bounds too (a range matches values of its bound's type only, as in MongoDB).
    assert "_day_1 (<expr>=? AND <expr>>?)" in plan(client, "events", {"day": {"$gte": 5}})

    expected = sorted(f"2026-{n % 12 + 1:02}-{n % 28 + 1:02}" for n in range(3, 200, 10) if n % 12 + 1 >= 11)
    found_days = events.find({"user_id": "user-3", "local_day": {"$gte": "2026-11-01"}, "deleted_at": None})
    assert sorted(doc["local_day"] for doc in found_days) == expected


# Strings whose JSON text does not sort like them: a shorter string's closing quote (0x22) against ' ' or
# '!', escapes (quote, backslash, control characters, Go's HTML escapes, U+2028), and their prefixes.
range_strings = st.text(alphabet=' !"#\\<&\x01-09[]azé\u2028\U0001f600', max_size=4)
range_values = st.one_of(scalars, range_strings, st.lists(st.one_of(scalars, range_strings), max_size=3))
RANGE_OPS = {"$gt": str.__gt__, "$gte": str.__ge__, "$lt": str.__lt__, "$lte": str.__le__}


def range_matches(value: object, condition: dict[str, str]) -> bool:
    """A string range as MongoDB has it: strings only (by their UTF-8 bytes, as Python orders code points),
    or an array with an element that meets each operator."""
    candidates = value if isinstance(value, list) else [value]
    return all(
        any(isinstance(v, str) and RANGE_OPS[op](v, bound) for v in candidates)
        for op, bound in condition.items()
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(st.tuples(st.sampled_from(["x", "y", ["x"]]), range_values), max_size=14),
    bounds=st.lists(range_strings, min_size=1, max_size=4),
)
def test_a_pushed_down_string_range_matches_what_the_handler_does(client, docs, bounds):
    """Every string range on `k` matches the same documents through an index that `k` leads, through the
    (g, k) index after an equality on g, without an index, and as computed here."""
    client.drop_database("patches")
    leading, compound, plain = client.patches.leading, client.patches.compound, client.patches.plain
    leading.create_index("k")
    compound.create_index([("g", 1), ("k", 1)])
    client.patches.create_collection("plain")
    stored = [{"_id": n, "g": g, "k": k} for n, (g, k) in enumerate(docs)]
    if stored:
        for collection in (leading, compound, plain):
            collection.insert_many(stored)
    strings = [k for _, k in docs if isinstance(k, str)][:4]
    bounds += strings + [k[: len(k) // 2] for k in strings]

    conditions = [{op: bound} for bound in bounds for op in RANGE_OPS]
    conditions += [{"$gte": low, "$lt": high} for low in bounds[:3] for high in bounds[:3]]
    for condition in conditions:
        expected = [doc["_id"] for doc in stored if range_matches(doc["k"], condition)]
        assert [doc["_id"] for doc in plain.find({"k": condition})] == expected, condition
        assert sorted(doc["_id"] for doc in leading.find({"k": condition})) == expected, condition
        on_x = [n for n in expected if stored[n]["g"] in ("x", ["x"])]
        assert sorted(doc["_id"] for doc in compound.find({"g": "x", "k": condition})) == on_x, condition


def sorted_reads(server: FerretDB, offset: int) -> list[tuple[str, list]]:
    """The statements read in an index's order (ORDER BY a field) that the server logged after `offset`."""
    return [(sql, args) for sql, args in statements_since(server, offset) if " INDEXED BY " in sql]


def test_a_sort_after_an_equality_reads_the_compound_index_in_order(client, server):
    """The events' first and last day of a person: read in the (user_id, local_day) index's order, so the
    limit stops the read; also a sort on a field that leads an index."""
    events = client.patches.events
    events.create_index([("user_id", 1), ("local_day", 1)])
    events.create_index("day")
    days = [f"2026-{n % 12 + 1:02}-{n % 28 + 1:02}" for n in range(300)]
    events.insert_many(
        [
            {"user_id": f"user-{n % 3}", "local_day": day, "day": day, "deleted_at": None}
            for n, day in enumerate(days)
        ]
    )
    mine = [day for n, day in enumerate(days) if n % 3 == 1]

    for direction, expected in ((1, min(mine)), (-1, max(mine))):
        start = log_size(server)
        found = events.find_one({"user_id": "user-1", "deleted_at": None}, sort=[("local_day", direction)])
        assert found["local_day"] == expected
        [(sql, args)] = sorted_reads(server, start)
        found_plan = sqlite_plan(server, sql, args)
        assert "USING INDEX events_" in found_plan and "(<expr>=? AND <expr>=?)" in found_plan
        assert "TEMP B-TREE" not in found_plan, found_plan

    start = log_size(server)
    cursor = events.find({"user_id": "user-1", "local_day": {"$gte": "2026-11-01"}}).sort("local_day", 1)
    assert [doc["local_day"] for doc in cursor.limit(5)] == sorted(
        day for day in mine if day >= "2026-11-01"
    )[:5]
    [(sql, args)] = sorted_reads(server, start)
    assert "TEMP B-TREE" not in sqlite_plan(server, sql, args)

    start = log_size(server)
    assert [doc["day"] for doc in events.find().sort("day", -1).limit(3)] == sorted(days, reverse=True)[:3]
    [(sql, args)] = sorted_reads(server, start)
    found_plan = sqlite_plan(server, sql, args)
    assert "USING INDEX events_" in found_plan and "TEMP B-TREE" not in found_plan, found_plan

    # Another field's equality is applied by the handler to what the index gives in order.
    same_day = list(events.find({"user_id": "user-1", "day": mine[0]}).sort("local_day"))
    assert [doc["day"] for doc in same_day] == [day for day in mine if day == mine[0]]


def test_a_sort_reads_another_index_when_its_conditions_meet_few_documents(client, server):
    """Sorted on `k` with a condition on `g` (each leads an index): a rare `g` is searched in its index and
    sorted by the handler, a common one is filtered while the `k` index is read in order."""
    docs = client.patches.docs
    docs.create_index("k")
    docs.create_index("g")
    docs.insert_many([{"_id": n, "g": "rare" if n % 500 == 0 else "common", "k": n} for n in range(3000)])

    for g, in_index_order in (("rare", False), ("common", True)):
        start = log_size(server)
        found = [doc["k"] for doc in docs.find({"g": g}).sort("k", -1).limit(3)]
        assert found == sorted((n for n in range(3000) if (n % 500 == 0) == (g == "rare")), reverse=True)[:3]
        assert bool(sorted_reads(server, start)) == in_index_order, g


@pytest.mark.parametrize(
    ("odd", "in_index_order"),
    [
        ({"user_id": "user-1"}, True),  # local_day missing
        ({"user_id": "user-1", "local_day": None}, True),
        ({"user_id": "user-1", "local_day": 20260101}, True),
        (
            {"user_id": "user-1", "local_day": "2026-01-01 late"},
            True,
        ),  # a space: sorts before its prefix as text
        ({"user_id": "user-1", "local_day": '2026-0"'}, True),  # an escape: sorts after every digit as text
        ({"user_id": "user-1", "local_day": ObjectId("000000000000000000000001")}, True),
        ({"user_id": "user-1", "local_day": ["2026-01-01"]}, False),
        ({"user_id": "user-1", "local_day": {"day": "2026-01-01"}}, False),
        ({"user_id": ["user-1", "user-2"], "local_day": "2026-01-01"}, False),  # an array for the pinned key
    ],
)
def test_a_sort_is_read_in_index_order_unless_a_value_is_ordered_otherwise(
    client, server, odd, in_index_order
):
    events = client.patches.events
    events.create_index([("user_id", 1), ("local_day", 1)])
    stored = [{"_id": n, "user_id": "user-1", "local_day": f"2026-0{n + 1}-01"} for n in range(5)]
    events.insert_many([*stored, {"_id": 99, **odd}, {"_id": 100, "user_id": "user-2", "local_day": "2000"}])
    plain = client.patches.plain
    plain.insert_many([*stored, {"_id": 99, **odd}, {"_id": 100, "user_id": "user-2", "local_day": "2000"}])

    for direction in (1, -1):
        start = log_size(server)
        found = [doc["_id"] for doc in events.find({"user_id": "user-1"}).sort("local_day", direction)]
        assert bool(sorted_reads(server, start)) == in_index_order
        assert found == [doc["_id"] for doc in plain.find({"user_id": "user-1"}).sort("local_day", direction)]
        assert events.find_one({"user_id": "user-1"}, sort=[("local_day", direction)])["_id"] == found[0]


# Strings, half of them sorting as text (so that the index is often read in order), and a few other values.
# No two values the handler sorts as equal look different (5 and 5.0, null and missing, arrays of one value),
# so that the order of ties does not matter.
sortable_strings = st.text(alphabet="ab-0é", max_size=3)
MISSING = object()
odd_values = st.sampled_from([MISSING, None, 5, 2.5, True, OIDS[0], {"a": 1}, ["b"]])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    strings=st.lists(
        st.tuples(st.sampled_from(["x", "y"]), st.one_of(sortable_strings, range_strings)), max_size=8
    ),
    odd=st.lists(st.tuples(st.sampled_from(["x", "y", ["x"]]), odd_values), max_size=2),
    bound=sortable_strings,
)
def test_a_sort_read_in_index_order_matches_the_handlers_sort(client, strings, odd, bound):
    """Sorts on `k`, through an index that `k` leads, through the (g, k) index after an equality on g, and
    without an index (the handler's sort), give the same values in the same order."""
    docs = strings + odd
    client.drop_database("patches")
    leading, compound, plain = client.patches.leading, client.patches.compound, client.patches.plain
    leading.create_index("k")
    compound.create_index([("g", 1), ("k", 1)])
    client.patches.create_collection("plain")
    stored = [{"_id": n, "g": g} | ({} if k is MISSING else {"k": k}) for n, (g, k) in enumerate(docs)]
    if stored:
        for collection in (leading, compound, plain):
            collection.insert_many(stored)

    def keys(cursor) -> list[str]:
        return [repr(doc.get("k")) for doc in cursor]

    for filter_ in ({"g": "x"}, {"g": "x", "k": {"$gte": bound}}, {"g": "x", "k": {"$lt": bound}}):
        for direction in (1, -1):
            for limit in (0, 1, 3):
                expected = keys(plain.find(filter_).sort("k", direction).limit(limit))
                assert keys(compound.find(filter_).sort("k", direction).limit(limit)) == expected, filter_
                unpinned = {key: value for key, value in filter_.items() if key != "g"}
                expected = keys(plain.find(unpinned).sort("k", direction).limit(limit))
                assert keys(leading.find(unpinned).sort("k", direction).limit(limit)) == expected, unpinned


STATEMENTS = 200


def test_a_bulk_write_of_upserts_is_one_commit_with_mongodbs_answer(client, server):
    """Half the statements replace stored documents, half insert (upserted ids at their statement's index,
    as MongoDB reports them); all of it is one SQLite commit. A delete command of as many statements too."""
    docs = client.patches.docs
    docs.insert_many([{"_id": n, "v": 0} for n in range(0, STATEMENTS, 2)])

    with wal_kept(server):
        before = wal_commits(server)
        result = docs.bulk_write(
            [ReplaceOne({"_id": n}, {"v": 1, "n": n}, upsert=True) for n in range(STATEMENTS)]
        )
        upserts = wal_commits(server) - before
        removed = docs.bulk_write([DeleteOne({"_id": n}) for n in range(0, STATEMENTS, 4)]).deleted_count
        deletes = wal_commits(server) - before - upserts
        # Statements that may read what the ones before them wrote: their reads are in the transaction too.
        by_field = docs.bulk_write([UpdateOne({"n": n}, {"$inc": {"v": 1}}) for n in range(STATEMENTS)])
        docs.update_many({}, {"$inc": {"v": -1}})
        updates = wal_commits(server) - before - upserts - deletes

    assert (upserts, deletes, updates) == (1, 1, 2)
    assert by_field.modified_count == STATEMENTS - STATEMENTS // 4
    assert (result.matched_count, result.modified_count) == (STATEMENTS // 2, STATEMENTS // 2)
    assert result.upserted_ids == {n: n for n in range(1, STATEMENTS, 2)}
    assert removed == STATEMENTS // 4
    assert list(docs.find().sort("_id", 1)) == [
        {"_id": n, "v": 1, "n": n} for n in range(STATEMENTS) if n % 4
    ]


@pytest.mark.parametrize("ordered", [True, False])
def test_a_failing_statement_is_a_write_error_at_its_index(client, ordered):
    """As on MongoDB: the statements before it stay applied; the ones after it run only when unordered."""
    docs = client.patches.docs
    docs.insert_many([{"_id": n, "v": 0} for n in range(4)])
    statements = [
        UpdateOne({"_id": 0}, {"$set": {"v": 1}}),
        UpdateOne({"_id": 9}, {"$set": {"v": 1}}, upsert=True),
        ReplaceOne({"_id": 2}, {"_id": 99, "v": 1}),  # _id is immutable
        UpdateOne({"_id": 3}, {"$set": {"v": 1}}),
    ]

    with pytest.raises(BulkWriteError) as failed:
        docs.bulk_write(statements, ordered=ordered)

    details = failed.value.details
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(2, 66)]
    assert details["upserted"] == [{"index": 1, "_id": 9}]
    assert (details["nMatched"], details["nModified"]) == ((1, 1) if ordered else (2, 2))
    assert {d["_id"]: d["v"] for d in docs.find()} == {0: 1, 1: 0, 2: 0, 3: 0 if ordered else 1, 9: 1}


def test_concurrent_bulk_upserts_all_count_beside_other_writers(client, server):
    """Bulk writes that read then write each document, while inserts commit into another collection of the
    same database in between: every increment is kept and none fails on SQLite's lock."""

    def upsert(mongo: pymongo.MongoClient) -> None:
        for _ in range(10):
            # By _id: all read before the transaction; by another field: each read in it.
            mongo.patches.counters.bulk_write(
                [UpdateOne({"_id": n}, {"$inc": {"n": 1}}, upsert=True) for n in range(20)]
            )
            mongo.patches.tallies.bulk_write(
                [UpdateOne({"k": n}, {"$inc": {"n": 1}}, upsert=True) for n in range(20)]
            )

    def insert(mongo: pymongo.MongoClient) -> None:
        for start in range(0, 400, 4):
            mongo.patches.events.insert_many([{"n": n} for n in range(start, start + 4)])

    concurrently(server, *[upsert] * THREADS, insert)

    assert [doc["n"] for doc in client.patches.counters.find().sort("_id", 1)] == [THREADS * 10] * 20
    assert sorted((doc["k"], doc["n"]) for doc in client.patches.tallies.find()) == [
        (n, THREADS * 10) for n in range(20)
    ]
    assert client.patches.events.count_documents({}) == 400


def test_a_conditional_delete_never_removes_an_update_made_after_its_read(client, server):
    """A task removes a request only if it is unchanged since it read it (`{_id, n: read}`), while writers
    keep counting into it with upserts: every increment ends up either in a removed document, as read, or
    in the one left."""
    removed: list[int] = []

    def count(mongo: pymongo.MongoClient) -> None:
        for _ in range(INCREMENTS):
            mongo.patches.requests.update_one({"_id": "req"}, {"$inc": {"n": 1}}, upsert=True)

    def take(mongo: pymongo.MongoClient) -> None:
        for _ in range(INCREMENTS):
            read = mongo.patches.requests.find_one({"_id": "req"})
            if read and mongo.patches.requests.delete_one({"_id": "req", "n": read["n"]}).deleted_count:
                removed.append(read["n"])

    concurrently(server, count, count, take, take)

    left = client.patches.requests.find_one({"_id": "req"})
    assert removed  # the takers did take some
    assert sum(removed) + (left["n"] if left else 0) == 2 * INCREMENTS


# Every type FerretDB stores, with the JSON text that is hardest to read back: escapes, \u sequences (control
# characters, <, >, &, U+2028), characters beyond the BMP (a surrogate pair in UTF-16), non-ASCII keys.
TRICKY = 'a"\\/<>&\x00\x1f\n\u2028é日😀'
keys = st.text(alphabet="ab_" + TRICKY.replace("\x00", ""), max_size=4)
leaves = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-0.0, 0.1, 1e308, 5e-324, -(2.0**53)]),
    st.text(alphabet=TRICKY, max_size=6),
    st.text(max_size=4),
    st.binary(min_size=12, max_size=12).map(ObjectId),
    st.booleans(),
    st.integers(-(2**42), 2**42).map(
        lambda ms: datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=ms)
    ),
    st.none(),
    st.builds(
        Regex,
        st.text(alphabet=TRICKY[1:].replace("\x00", ""), max_size=4),
        st.sampled_from(["", "i", "imsx"]),
    ),
    st.integers(-(2**31), 2**31 - 1),
    st.builds(Timestamp, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.integers(-(2**63), 2**63 - 1).map(Int64),
    st.builds(Binary, st.binary(max_size=9), st.sampled_from([0, 1, 4, 5, 128, 255])),
)
# FerretDB refuses arrays directly in arrays, so an array holds leaves and documents.
stored_values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.dictionaries(keys, inner, max_size=4),
        st.lists(st.one_of(leaves, st.dictionaries(keys, inner, max_size=3)), max_size=4),
    ),
    max_leaves=12,
)


def typed(value: object) -> object:
    """A value with its BSON type and its documents' field order: pymongo's dicts compare without order,
    and an int equals an Int64 or a float."""
    if isinstance(value, dict):
        return ("document", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("array", [typed(item) for item in value])
    if isinstance(value, bytes):  # pymongo reads binary of subtype 0 as bytes
        return ("binary", getattr(value, "subtype", 0), bytes(value))
    return (type(value).__name__, value)


# Top-level keys are written into the JSON text unescaped (upstream's sjson.Marshal), so one with a quote,
# a backslash or a control character cannot be stored by any build.
top_keys = st.text(alphabet="ab_/<>&é日😀", max_size=4).filter(lambda k: k != "_id")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.dictionaries(top_keys, stored_values, max_size=6), max_size=4))
def test_stored_documents_of_every_type_read_back_as_written(client, docs):
    """What the stored JSON decodes to (0013): every BSON type FerretDB stores, nested, field order kept.
    (-0.0 is stored as 0 by every build, so only its value is compared, as Python's == does.)"""
    client.drop_database("patches")
    written = [{"_id": n, **doc} for n, doc in enumerate(docs)]
    if written:
        client.patches.values.insert_many(written)
    read = list(client.patches.values.find().sort("_id", 1))
    assert [typed(doc) for doc in read] == [typed(doc) for doc in written]


# Valid JSON (SQLite refuses to store any other: its indexes read the JSON) that breaks its schema.
HEAD = '{"$s":{"p":{"_id":{"t":"int"},"v":%s},"$k":["_id","v"]},"_id":2,"v":'


@pytest.mark.parametrize(
    "stored",
    [
        HEAD % '{"t":"double"}' + '"1"}',
        HEAD % '{"t":"int"}' + "1.5}",
        HEAD % '{"t":"long"}' + "9223372036854775808}",
        HEAD % '{"t":"objectId"}' + '"abc"}',
        HEAD % '{"t":"array","i":[]}' + "[1]}",
        HEAD % '{"t":"bool"}' + "1}",
        '{"$s":{"p":{"_id":{"t":"int"}},"$k":["_id","v"]},"_id":2,"v":1}',  # no schema for v
        '{"$s":{"p":{"_id":{"t":"int"}},"$k":["_id"],"x":1},"_id":2}',  # an unknown field in the schema
        '{"$s":{"p":{"_id":{"t":"int"}},"$k":["_id"]},"_id":2,"_id":3,"w":4}',  # a repeated key
    ],
    ids=[
        "string-as-double",
        "fraction-as-int",
        "long-overflow",
        "short-objectid",
        "array-beyond-schema",
        "number-as-bool",
        "no-schema-for-a-field",
        "unknown-schema-field",
        "repeated-key",
    ],
)
def test_a_malformed_stored_document_is_an_error_not_a_crash(client, server, stored):
    """Stored JSON that FerretDB did not write is refused with an error; the server goes on answering."""
    client.patches.values.insert_one({"_id": 1, "v": 1.0})
    path = server.dir / "data" / "patches.sqlite"
    with closing(sqlite3.connect(path)) as db, db:
        (name,) = db.execute("SELECT table_name FROM _ferretdb_collections WHERE name = 'values'").fetchone()
        db.execute(f'INSERT INTO "{name}" (_ferretdb_sjson) VALUES (?)', (stored,))  # noqa: S608 - our table's name
    with pytest.raises(OperationFailure):
        list(client.patches.values.find())
    assert client.patches.values.find_one({"_id": 1}) == {"_id": 1, "v": 1.0}


def projected(doc: dict, fields: dict[str, bool], inclusion: bool) -> list[tuple[str, object]]:
    """MongoDB's answer to a projection of top-level fields: `_id` first (unless excluded), then the other
    fields included, or not excluded, in the document's order."""
    keep_id = fields.get("_id", True)
    rest = [(k, v) for k, v in doc.items() if k != "_id" and (k in fields) == inclusion]
    return ([("_id", doc["_id"])] if keep_id else []) + rest


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    docs=st.lists(st.dictionaries(top_keys, stored_values, max_size=5), min_size=1, max_size=3),
    names=st.lists(top_keys.filter(bool), max_size=3),
    inclusion=st.booleans(),
    keep_id=st.sampled_from([None, True, False]),
)
def test_a_projection_of_top_level_fields_answers_as_the_general_projection(
    client, docs, names, inclusion, keep_id
):
    """0017 answers a projection that only includes or excludes top-level fields from the document's own
    values: the same as MongoDB, and as the general code, which a dotted path to no field sends it to."""
    client.drop_database("patches")
    client.patches.values.insert_many([{"_id": n, **doc} for n, doc in enumerate(docs)])
    stored = list(client.patches.values.find().sort("_id", 1))
    fields = dict.fromkeys(names or ["a"], inclusion) | ({} if keep_id is None else {"_id": keep_id})
    for named in (fields, fields | {"nowhere.at_all": inclusion}):
        read = list(client.patches.values.find({}, named).sort("_id", 1))
        assert [typed(dict(doc)) for doc in read] == [
            typed(dict(projected(doc, fields, inclusion))) for doc in stored
        ]


def test_a_schema_listing_its_fields_out_of_order_reads_back_the_same_each_time(client, server):
    """A schema whose properties are out of its keys' order (FerretDB never writes one, so it is stored
    straight into SQLite) is read by the keys' order, a repeated property keeping its last type, also once
    0017 has cached its text."""
    client.patches.values.insert_one({"_id": 1})
    path = server.dir / "data" / "patches.sqlite"
    schema = '{"p":{"v":{"t":"string"},"_id":{"t":"int"},"v":{"t":"int"}},"$k":["_id","v"]}'
    with closing(sqlite3.connect(path)) as db, db:
        (name,) = db.execute("SELECT table_name FROM _ferretdb_collections WHERE name = 'values'").fetchone()
        for n in (2, 3):
            row = f'{{"$s":{schema},"_id":{n},"v":{n * 10}}}'
            db.execute(f'INSERT INTO "{name}" (_ferretdb_sjson) VALUES (?)', (row,))  # noqa: S608 - our table
    for _ in range(2):
        read = list(client.patches.values.find({"_id": {"$gt": 1}}).sort("_id", 1))
        assert [typed(doc) for doc in read] == [typed({"_id": 2, "v": 20}), typed({"_id": 3, "v": 30})]


def test_a_request_with_nan_is_refused_and_the_server_goes_on(client):
    """NaN is refused in a request (the connection is closed, as upstream's check did) now that replies are
    no longer decoded again to look for it (0017)."""
    with pytest.raises(pymongo.errors.AutoReconnect):
        client.patches.values.insert_one({"_id": 1, "x": float("nan")})
    client.patches.values.insert_one({"_id": 2, "x": 1.5})
    assert list(client.patches.values.find({}, {"_id": 0})) == [{"x": 1.5}]
