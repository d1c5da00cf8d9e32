"""FerretDB as devtools/ferretdb.py runs it: SQLite checkpoints its log at our page count, not its own."""

import os

import pymongo

from devtools.ferretdb import WAL_AUTOCHECKPOINT_PAGES
from tests.support.servers import FerretDB

PAGE = 4096
SQLITE_DEFAULT_PAGES = 1000


def test_the_write_ahead_log_is_checkpointed_at_our_page_count(tmp_path):
    server = FerretDB(tmp_path).start()
    try:
        client = pymongo.MongoClient(server.uri)
        docs = client.walcheck.docs
        for batch in range(120):  # ~10 MB in 120 commits, over twice what SQLite's default would let grow
            docs.insert_many([{"batch": batch, "n": n, "pad": os.urandom(2048).hex()} for n in range(20)])
        client.close()
        (log,) = (server.dir / "data").glob("walcheck*-wal")
        # The log file is reused, not shrunk, after a checkpoint: its size is the most it ever held.
        assert log.stat().st_size < (WAL_AUTOCHECKPOINT_PAGES + 100) * PAGE < SQLITE_DEFAULT_PAGES * PAGE
    finally:
        server.stop()
