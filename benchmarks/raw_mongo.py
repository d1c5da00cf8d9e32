"""The database ceiling: raw pymongo insert_one or insert_many of event-sized documents, from the same
number of processes and threads as the gunicorn side, for a bounded time. Prints one JSON line.

    python -m benchmarks.raw_mongo URI DB COLLECTION {insert_one,insert_many} SECONDS
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from pymongo import MongoClient

from shared import crypto
from shared.events import DURABLE
from shared.settings import DEV_ENCRYPTION_KEY, parse_keys

BATCH = 100
# As deploy/gunicorn.conf.py reads them, so both sides of a ratio have the same concurrency.
PROCESSES = int(os.environ.get("WEB_CONCURRENCY", "2"))
THREADS = int(os.environ.get("WEB_THREADS", "8"))
NOTE = crypto.encrypt(parse_keys(DEV_ENCRYPTION_KEY), "woke at 3am, heart racing")


def event_document(user_id: str, n: int) -> dict:
    """Shaped and sized like a stored symptom event (services/ingestion/events/service.py)."""
    now = datetime.now(UTC).replace(microsecond=0)
    occurred = now - timedelta(minutes=n % 1000)
    return {
        "user_id": user_id,
        "event_id": uuid.uuid4().hex,
        "type": "symptom",
        "fingerprint": uuid.uuid4().hex * 2,
        "occurred_at": occurred,
        "occurred_at_device": occurred.isoformat(),
        "device_utc_offset_min": 0,
        "sent_at": now,
        "received_at": now,
        "clock_skew_s": 0.2,
        "clock_corrected": False,
        "local_day": occurred.date().isoformat(),
        "device_id": user_id[::-1],
        "data": {"code": "insomnia", "severity": 2, "note": NOTE, "tags": NOTE},
        "schema_version": 1,
        "red_flag": False,
        "known_code": True,
    }


def _load(target: tuple[str, str, str], op: str, seconds: float, out) -> None:
    uri, db, collection = target
    client = MongoClient(uri, tz_aware=True)
    col = client[db].get_collection(collection, write_concern=DURABLE)
    col.find_one({})  # connect before the clock starts
    started = time.monotonic()
    deadline = started + seconds
    counts = [0] * THREADS

    def loop(slot: int) -> None:
        user_id = uuid.uuid4().hex
        while time.monotonic() < deadline:
            if op == "insert_one":
                col.insert_one(event_document(user_id, counts[slot]))
                counts[slot] += 1
            else:
                docs = [event_document(user_id, counts[slot] + i) for i in range(BATCH)]
                col.insert_many(docs, ordered=False)
                counts[slot] += BATCH

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    client.close()
    out.put((sum(counts), elapsed))


def main(uri: str, db: str, collection: str, op: str, seconds: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_load, args=((uri, db, collection), op, float(seconds), out))
        for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=float(seconds) + 60) for _ in procs]
    for p in procs:
        p.join(10)
    docs, elapsed = sum(n for n, _ in results), max(s for _, s in results)
    per_request = BATCH if op == "insert_many" else 1
    result = {"op": op, "docs": docs, "seconds": round(elapsed, 2), "docs_per_s": round(docs / elapsed, 1)}
    print(json.dumps(result | {"requests_per_s": round(docs / per_request / elapsed, 1)}))


if __name__ == "__main__":
    main(*sys.argv[1:])
