"""Reading a person's summary document while a worker rewrites it (one delete, then one insert)."""

import threading
import time

from shared import summaries
from shared.mongo import mongo
from shared.redis_client import redis_client


def test_a_document_missing_while_it_is_rewritten_is_waited_for(db):
    mongo.db.person_summaries.insert_one({"_id": "p-1", "status": {"days_logged": 1}})
    found: list = []
    with summaries._rewriting(["p-1"]):
        mongo.db.person_summaries.delete_one({"_id": "p-1"})
        reader = threading.Thread(target=lambda: found.append(summaries.find_person("p-1")))
        reader.start()
        time.sleep(0.3)
        assert reader.is_alive()  # still waiting: the worker is between the delete and the insert
        mongo.db.person_summaries.insert_one({"_id": "p-1", "status": {"days_logged": 2}})
    reader.join(timeout=5)
    assert found[0]["status"] == {"days_logged": 2}


def test_rewritten_documents_are_whole_and_unmarked_afterwards(db):
    summaries.write_persons({"p-2": {"status": {"days_logged": 1}}, "p-3": {"status": None}})
    summaries.write_persons({"p-2": {"status": {"days_logged": 2}}})
    assert summaries.find_person("p-2") == {"_id": "p-2", "status": {"days_logged": 2}}
    assert summaries.find_person("p-3") == {"_id": "p-3", "status": None}
    assert not redis_client.client.exists(summaries.rewriting_key("p-2"))


def test_a_person_without_a_document_is_answered_at_once(db):
    started = time.monotonic()
    assert summaries.find_person("nobody") is None
    assert time.monotonic() - started < summaries.WAIT_S / 2
