"""Group commit: single events arriving while a write is in flight share the next write, each request still
answered for its own event; through the real app and FerretDB."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from pymongo.errors import AutoReconnect, DuplicateKeyError

from shared import events as repository
from shared.group_commit import GroupCommit
from tests.factories.accounts import person
from tests.support.servers import wait_for


def document(user_id="u1", event_id=None):
    return {"user_id": user_id, "event_id": event_id or uuid.uuid4().hex, "type": "check_in"}


class HeldWrites:
    """repository.insert_each, recording each write's size; the first write waits until released, so the
    test can queue requests behind it."""

    def __init__(self, fail_write: int | None = None):
        self.sizes: list[int] = []
        self.entered, self.release = threading.Event(), threading.Event()
        self.fail_write = fail_write

    def __call__(self, docs):
        self.sizes.append(len(docs))
        if len(self.sizes) == 1:
            self.entered.set()
            self.release.wait(10)
        if len(self.sizes) == self.fail_write:
            raise AutoReconnect("connection closed")
        return repository.insert_each(docs)


def queue_behind_a_held_write(group, writes, docs):
    """Insert docs[0] (its write held), then the rest, once they all wait; returns each insert's outcome."""
    outcomes: dict[int, BaseException | None] = {}

    def insert(i):
        try:
            group.insert(docs[i])
            outcomes[i] = None
        except BaseException as exc:  # noqa: BLE001 - recorded for the test to look at
            outcomes[i] = exc

    threads = [threading.Thread(target=insert, args=(0,))]
    threads[0].start()
    assert writes.entered.wait(10)
    threads += [threading.Thread(target=insert, args=(i,)) for i in range(1, len(docs))]
    for thread in threads[1:]:
        thread.start()
    wait_for(lambda: len(group._queue) == len(docs) - 1, 10, "requests queued behind the write")
    writes.release.set()
    for thread in threads:
        thread.join(10)
    return outcomes


class TestGroupCommit:
    def test_requests_that_arrive_during_a_write_share_the_next_one(self, ingestion_app, db):
        writes = HeldWrites()
        group = GroupCommit(writes)
        docs = [document() for _ in range(6)]
        outcomes = queue_behind_a_held_write(group, writes, docs)
        assert outcomes == dict.fromkeys(range(6))
        assert writes.sizes == [1, 5]
        assert db.events.count_documents({}) == 6
        group.insert(document())  # idle again: written at once, alone
        assert writes.sizes == [1, 5, 1]

    def test_each_request_learns_its_own_documents_outcome(self, ingestion_app, db):
        stored = document(event_id="seen")
        repository.insert_each([stored])
        writes = HeldWrites()
        group = GroupCommit(writes)
        docs = [document(), document(), document(event_id="seen"), document()]
        outcomes = queue_behind_a_held_write(group, writes, docs)
        assert isinstance(outcomes.pop(2), DuplicateKeyError)
        assert outcomes == {0: None, 1: None, 3: None}
        assert db.events.count_documents({}) == 4

    def test_a_failed_write_fails_each_request_it_carried_and_the_next_goes_on(self, ingestion_app, db):
        writes = HeldWrites(fail_write=2)
        group = GroupCommit(writes)
        outcomes = queue_behind_a_held_write(group, writes, [document() for _ in range(4)])
        assert outcomes[0] is None
        failed = [outcomes[i] for i in (1, 2, 3)]
        assert all(isinstance(e, AutoReconnect) for e in failed)
        assert len({id(e) for e in failed}) == 3  # each request raised its own exception
        group.insert(document())
        assert db.events.count_documents({}) == 2


def check_in(minutes_ago):
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {"event_id": uuid.uuid4().hex, "type": "check_in", "occurred_at": at.isoformat(), "overall": 4}


@pytest.mark.parametrize("people", [1, 4])
def test_concurrent_single_events_are_each_stored_once_and_answered(ingestion_app, db, people):
    callers = [person() for _ in range(people)]
    events = [(callers[i % people], check_in(i)) for i in range(24)]

    def post(item):
        (_user, headers), event = item
        with ingestion_app.test_client() as client:
            return client.post("/v1/events", json=event, headers=headers)

    with ThreadPoolExecutor(8) as pool:
        first = list(pool.map(post, events))
        again = list(pool.map(post, events))
    assert [(r.status_code, r.json["status"]) for r in first] == [(202, "accepted")] * 24
    assert [(r.status_code, r.json["status"]) for r in again] == [(200, "duplicate")] * 24
    assert db.events.count_documents({}) == 24
    for (user, _headers), event in events:
        assert db.events.count_documents({"user_id": user["_id"], "event_id": event["event_id"]}) == 1


def test_a_write_that_breaks_after_storing_still_wakes_everyone(ingestion_app, db):
    """However the leader's write ends, every waiting request answers and the next write goes on."""
    writes = HeldWrites()
    broken = {"calls": 0}

    def write(docs):
        broken["calls"] += 1
        failures = writes(docs)
        return None if broken["calls"] == 2 else failures  # the 2nd breaks once its documents are stored

    group = GroupCommit(write)
    outcomes = queue_behind_a_held_write(group, writes, [document() for _ in range(3)])
    assert outcomes[0] is None
    assert all(isinstance(outcomes[i], AttributeError) for i in (1, 2))  # None.get: the outcome is unknown
    group.insert(document())
    assert broken["calls"] == 3
