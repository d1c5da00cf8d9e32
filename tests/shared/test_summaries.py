"""Person summary documents rewritten while they are read: each is replaced in place, never missing."""

import threading

from shared import summaries
from shared.mongo import mongo

PEOPLE, REWRITES = [f"p-{n}" for n in range(20)], 30


def test_rewritten_documents_are_whole(db):
    summaries.write_persons({"p-2": {"status": {"days_logged": 1}}, "p-3": {"status": None}})
    summaries.write_persons({"p-2": {"status": {"days_logged": 2}}})
    assert summaries.find_person("p-2") == {"_id": "p-2", "status": {"days_logged": 2}}
    assert summaries.find_person("p-3") == {"_id": "p-3", "status": None}
    assert summaries.find_person("nobody") is None


def test_a_reader_never_meets_a_document_missing_while_it_is_rewritten(db):
    summaries.write_persons({p: {"version": 0} for p in PEOPLE})
    missing: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            found = {d["_id"] for d in mongo.db.person_summaries.find({}, {"_id": 1})}
            missing.extend(p for p in PEOPLE if p not in found)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for version in range(1, REWRITES + 1):
            summaries.write_persons({p: {"version": version} for p in PEOPLE})
    finally:
        done.set()
        reader.join()

    assert not missing
    assert {d["version"] for d in mongo.db.person_summaries.find()} == {REWRITES}
