"""FerretDB with our patches vs upstream v1.24.2, side by side: lookups and updates on 100,000 events.

Both servers hold the same documents (1,000 people, an index on `user_id`) and answer the same operations
one at a time from one client: find by `_id`, find a person's documents by `user_id`, `update_one` by `_id`
with `$inc`, and 4 threads x 100 `$inc` on one document (what is left of the 400). One more person has a
year of events (YEAR_EVENTS, indexes on (user_id, local_day) as in shared/events.py): their first day (a
find_one sorted on local_day, as shared.events.first_day), their last 30 days (a range on local_day) and all
their events; they also have a year of day summaries (YEAR_DAYS documents shaped like shared/summaries.py's
day documents, ~1 KB of BSON each, index (user_id, day)), read as summary_days reads them from day documents.
Upstream is built by `FERRETDB_UPSTREAM=1 bin/setup` (this bench runs it when the binary is missing). Knobs:
BENCH_FERRETDB_DOCS (100,000), BENCH_FERRETDB_OPS (operations timed per kind on the patched server; upstream
gets a tenth), BENCH_FERRETDB_BASELINE (the path of another build, e.g. main's before a patch, measured like
the patched one, and compared with it). The patched build and the baseline take turns, CHUNK operations at a
time, so that other work on the machine weighs on both alike (timed one after the other, minutes apart, the
same build measured up to 1.5 x slower or faster).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from pymongo import MongoClient

from benchmarks.harness import Report, Stack
from benchmarks.raw_mongo import event_document
from devtools.ferretdb import FERRETDB, FERRETDB_UPSTREAM
from tests.support.servers import ROOT, FerretDB

DOCS = int(os.environ.get("BENCH_FERRETDB_DOCS", "100000"))
USERS = 1_000
OPS = int(os.environ.get("BENCH_FERRETDB_OPS", "200"))
BATCH = 1_000
THREADS, INCREMENTS = 4, 100
YEAR_EVENTS = 1_800
YEAR_DAYS = 365
CHUNK = 10
LABELS = {
    "find_id": "find({_id}) median",
    "find_user": f"find({{user_id}}) median ({DOCS // USERS} docs)",
    "update_id": "update_one({_id}, $inc) median",
    "first_day": f"find_one sorted on local_day median ({YEAR_EVENTS:,} events)",
    "last_30_days": f"find(local_day >= day 335) median ({YEAR_EVENTS:,} events)",
    "person_events": f"find({{user_id}}) of the year's person median ({YEAR_EVENTS:,} events)",
    "year_days": f"find(user_id, day in a year) median ({YEAR_DAYS} day documents)",
}
BASELINE = os.environ.get("BENCH_FERRETDB_BASELINE")


def day_document(user_id: str, day: date, rng: random.Random) -> dict:
    """Shaped and sized like a stored day summary (shared/summaries.py): nested documents of per-symptom
    numbers and labels, rolling windows, a dose list."""
    symptoms = [f"symptom-{j}" for j in range(8)]
    return {
        "_id": f"{user_id}:{day.isoformat()}",
        "user_id": user_id,
        "day": day.isoformat(),
        "has_data": True,
        "symptoms": {
            s: {"max": rng.randint(0, 10), "mean": rng.random() * 10, "count": 3, "label": "Anxiety"}
            for s in symptoms
        },
        "rolling": {
            window: {
                "mean": rng.random(),
                "p75": rng.random(),
                "n": 7,
                "symptoms": {s: rng.random() for s in symptoms},
            }
            for window in ("7d", "28d")
        },
        "state": "window",
        "doses": [{"medication": "diazepam", "mg": 5.0, "at": "08:00"}],
        "red_flags": [],
        "notes": 1,
        "computed_at": None,
        "params": "abc123",
    }


def load(uri: str) -> None:
    """The same documents on every server: person p's n-th event has _id "e-<n>" and user_id "user-<p>"."""
    client = MongoClient(uri)
    events = client.bench.events
    for start in range(0, DOCS, BATCH):
        numbers = range(start, start + BATCH)
        events.insert_many([event_document(f"user-{n % USERS:04d}", n) | {"_id": f"e-{n}"} for n in numbers])
    events.create_index("user_id")
    events.create_index([("user_id", 1), ("local_day", 1)])
    year = [
        event_document("year-person", n) | {"_id": f"y-{n}", "deleted_at": None} for n in range(YEAR_EVENTS)
    ]
    for n, doc in enumerate(year):
        doc["local_day"] = (date(2026, 1, 1) + timedelta(days=n * 365 // YEAR_EVENTS)).isoformat()
    events.insert_many(year)
    rng = random.Random(14)
    days = client.bench.days
    days.create_index([("user_id", 1), ("day", 1)], unique=True)
    for person in ("year-person", "other-person"):
        days.insert_many(
            [day_document(person, date(2026, 1, 1) + timedelta(days=n), rng) for n in range(YEAR_DAYS)]
        )
    client.close()


def operations(client: MongoClient, count: int) -> dict[str, Callable[[int], object]]:
    """The operations timed, each called with its index i < count."""
    events = client.bench.events
    step = DOCS // count
    return {
        "find_id": lambda i: events.find_one({"_id": f"e-{i * step}"}),
        "find_user": lambda i: list(events.find({"user_id": f"user-{i * 7 % USERS:04d}"})),
        "update_id": lambda i: events.update_one({"_id": f"e-{i * step + 1}"}, {"$inc": {"n": 1}}),
        "first_day": lambda i: events.find_one(
            {"user_id": "year-person", "deleted_at": None}, sort=[("local_day", 1)]
        ),
        "last_30_days": lambda i: list(
            events.find({"user_id": "year-person", "local_day": {"$gte": "2026-12-02"}})
        ),
        "person_events": lambda i: list(events.find({"user_id": "year-person"})),
        "year_days": lambda i: list(
            client.bench.days.find(
                {"user_id": "year-person", "day": {"$gte": "2026-01-01", "$lte": "2026-12-31"}}, {"_id": 0}
            )
        ),
    }


def lost_increments(uri: str) -> int:
    """4 threads x 100 `$inc` of one document: how many of the 400 are missing afterwards."""
    client = MongoClient(uri)
    client.bench.counter.insert_one({"_id": "counter", "n": 0})

    def work() -> None:
        own = MongoClient(uri)
        for _ in range(INCREMENTS):
            own.bench.counter.update_one({"_id": "counter"}, {"$inc": {"n": 1}})
        own.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    n = client.bench.counter.find_one({"_id": "counter"})["n"]
    client.close()
    return THREADS * INCREMENTS - n


def measure(report: Report, servers: dict[str, FerretDB], count: int) -> dict[str, dict[str, float]]:
    """Each kind of operation on the servers in turn, CHUNK at a time; the median of each per server."""
    clients = {name: MongoClient(server.uri) for name, server in servers.items()}
    ops = {name: operations(client, count) for name, client in clients.items()}
    times: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in LABELS} for name in servers}
    for kind in LABELS:
        for start in range(0, count, CHUNK):
            for name in servers:
                for i in range(start, min(start + CHUNK, count)):
                    started = time.perf_counter()
                    ops[name][kind](i)
                    times[name][kind].append((time.perf_counter() - started) * 1000)
    results = {}
    for name, server in servers.items():
        clients[name].close()
        results[name] = {kind: round(statistics.median(ms), 2) for kind, ms in times[name].items()}
        for kind, value in results[name].items():
            report.measure(f"{name}_{kind}", f"{name}: {LABELS[kind]}", value, "ms", operations=count)
        lost = lost_increments(server.uri)
        report.measure(f"{name}_lost", f"{name}: $inc lost of {THREADS} x {INCREMENTS}", lost, "updates")
    return results


def main() -> None:
    if not FERRETDB_UPSTREAM.exists():
        subprocess.run(["bin/setup"], cwd=ROOT, env=os.environ | {"FERRETDB_UPSTREAM": "1"}, check=True)
    report = Report("ferretdb")
    with Stack("ferretdb") as stack:
        servers = {}
        builds = [("patched", FERRETDB), ("upstream", FERRETDB_UPSTREAM)]
        if BASELINE:
            builds.insert(1, ("baseline", Path(BASELINE)))
        for name, binary in builds:
            server = FerretDB(stack.dir / name, binary=binary)
            stack.exit.callback(server.stop)
            stack.logs.append(server.dir / "ferretdb.log")
            servers[name] = server.start()
            started = time.monotonic()
            load(server.uri)
            print(f"{name}: {DOCS:,} documents loaded in {time.monotonic() - started:.1f}s", flush=True)
        upstream_server = servers.pop("upstream")
        results = measure(report, servers, OPS)
        patched = results["patched"]
        if BASELINE:
            for key, ms in patched.items():
                speedup = round(results["baseline"][key] / ms, 1)
                report.measure(f"baseline_speedup_{key}", f"baseline ÷ patched time, {key}", speedup, "x")
        upstream = measure(report, {"upstream": upstream_server}, max(OPS // 10, 5))["upstream"]
        for key, ms in patched.items():
            speedup = round(upstream[key] / ms, 1)
            report.measure(f"speedup_{key}", f"upstream ÷ patched time, {key}", speedup, "x")
    report.print()
    report.write(docs=DOCS, users=USERS, operations=OPS, baseline=bool(BASELINE))


if __name__ == "__main__":
    main()
