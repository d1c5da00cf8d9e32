"""Key rotation: re-sealing stored events and a stored file under a new key (`rotate_keys`), on FerretDB.

EVENTS events (a note and its tags each, sealed with key A) are re-sealed under B by `events.reseal`, with
the conditional updates sent in bulk writes of rekey.WRITE_CHUNK and, side by side, one at a time (the
events stored again under A in between); then a second run, which finds nothing to do; then a FILE_MB MiB
report file re-sealed in place. BENCH_ROTATION_EVENTS sets how many events (5,000).
"""

from __future__ import annotations

import io
import os
import time

from bson import ObjectId
from cryptography.fernet import Fernet

from benchmarks.harness import Report, Stack
from shared import crypto, events, files, rekey, reports
from shared.mongo import mongo
from shared.settings import Settings

EVENTS = int(os.environ.get("BENCH_ROTATION_EVENTS", "5000"))
FILE_MB = 20
A, B = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _store_under_a() -> None:
    mongo.db[events.EVENTS].delete_many({})
    mongo.db[events.EVENTS].insert_many(
        {
            "_id": ObjectId(),
            "user_id": f"u{i % 100}",
            "event_id": str(i),
            "type": "note",
            "data": {"text": crypto.encrypt(A, "a private note " * 10), "tags": crypto.encrypt(A, '["x"]')},
        }
        for i in range(EVENTS)
    )


def _timed(run) -> tuple[float, rekey.Tally]:
    started = time.perf_counter()
    tally = run()
    return time.perf_counter() - started, tally


def main() -> None:
    report = Report("key_rotation")
    with Stack("key_rotation") as stack:
        ferretdb = stack.ferretdb()
        mongo.configure(Settings.from_env({}, mongo_uri=ferretdb.uri, mongo_db="tyh_bench"))
        ring = f"{B},{A}"
        chunk = rekey.WRITE_CHUNK
        for name, size in (("bulk", chunk), ("one_at_a_time", 1)):
            _store_under_a()
            rekey.WRITE_CHUNK = size
            seconds, tally = _timed(lambda: events.reseal(ring)[events.EVENTS])
            assert tally.resealed == 2 * EVENTS, tally
            report.measure(name, f"{EVENTS:,} events re-sealed, {size} update(s) per write", seconds, "s")
        rekey.WRITE_CHUNK = chunk
        report.ratio("speedup", "one at a time / in bulk", "one_at_a_time", "bulk")
        seconds, tally = _timed(lambda: events.reseal(ring)[events.EVENTS])
        assert tally == rekey.Tally(), tally
        report.measure("again", f"{EVENTS:,} events, second run (nothing to re-seal)", seconds, "s")

        content = os.urandom(FILE_MB * 2**20)
        files.put(reports.FILES_BUCKET, "big", io.BytesIO(content), "big.pdf", {"user_id": "u"}, keys=A)
        seconds, tally = _timed(lambda: files.reseal(reports.FILES_BUCKET, ring))
        assert tally.resealed == 1 and files.open_file(reports.FILES_BUCKET, "big", B).read() == content
        report.measure("file", f"a {FILE_MB} MiB report file re-sealed in place", seconds, "s")
        mongo.close()
    report.print()
    report.write(events=EVENTS, file_mb=FILE_MB)


if __name__ == "__main__":
    main()
