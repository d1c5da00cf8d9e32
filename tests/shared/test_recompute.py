"""The recompute signal, through real Redis and FerretDB: at most one task per person waits in the queue, and
under concurrency no write's work is left without something that will find it. A task taking the requests
never leaves a flag behind without a stored request (which lets the next batch find that person: a flag
alone would leave the writes it covers to the person's own task, behind every task in the queue), and a
stored request always has a task of its person that has not started yet, or has been read."""

import dataclasses
import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib

from shared import recompute
from shared.redis_client import redis_client
from shared.tasks import QUEUE_SUMMARIES
from tests.support.runtimes import celery_for

ROUNDS, WRITES = 40, 6


@pytest.fixture
def producer(settings, redis_server, db, redis):
    """A Celery app whose broker no worker consumes, emptied afterwards."""
    own = dataclasses.replace(settings, broker_url=redis_server.url(5))
    broker = redis_lib.Redis.from_url(own.broker_url)
    broker.delete(QUEUE_SUMMARIES)
    yield celery_for("test", own), broker
    broker.flushdb()


def test_a_person_has_at_most_one_task_waiting_however_often_batches_take_them(producer, db):
    app, broker = producer
    user_id = uuid.uuid4().hex
    assert recompute.request_recompute(app, user_id, ["2026-11-20"])
    for _ in range(3):
        # Another worker's batch takes the person, then they write again: a request, and no second task.
        recompute.finish_requests(recompute.take_requests([user_id]).values())
        assert not recompute.request_recompute(app, user_id, ["2026-11-20"])
        assert recompute.is_pending(user_id)
    assert broker.llen(QUEUE_SUMMARIES) == 1
    recompute.task_started(user_id)  # their own task starts: the next write sends another
    assert recompute.request_recompute(app, user_id, ["2026-11-21"]) is False  # covered by the flag
    recompute.finish_requests(recompute.take_requests([user_id]).values())
    assert recompute.request_recompute(app, user_id, ["2026-11-21"])
    assert broker.llen(QUEUE_SUMMARIES) == 2


def write(app, user_id: str, failed: list) -> None:
    try:
        for _ in range(WRITES):
            recompute.request_recompute(app, user_id, ["2026-11-20"])
    except Exception as exc:  # noqa: BLE001 - a writer that died would leave nothing to check
        failed.append(exc)


def test_no_write_is_left_without_a_batch_or_task_to_find_it(producer, db, redis):
    app, _broker = producer
    people = [uuid.uuid4().hex for _ in range(4)]
    starting = itertools.cycle(people)
    orphan_flags, unsent = [], []
    for _ in range(ROUNDS):
        failed: list[Exception] = []
        writers = [threading.Thread(target=write, args=(app, u, failed)) for u in people]
        for writer in writers:
            writer.start()
        while any(writer.is_alive() for writer in writers):
            # A worker meanwhile: one person's own task starts, and its batch takes everyone.
            recompute.task_started(next(starting))
            recompute.finish_requests(recompute.take_requests(people).values())
        for writer in writers:
            writer.join()
        assert failed == []
        # Quiet now: a flag needs a request a batch can find, and a request a task that has not started.
        pending = {r["_id"] for r in db.recompute_requests.find({}, {"_id": 1})}
        orphan_flags += [u for u in people if redis.exists(recompute.queued_flag(u)) and u not in pending]
        unsent += [u for u in pending if not redis.exists(recompute.sent_key(u))]
        recompute.finish_requests(recompute.take_requests(people).values())
    assert orphan_flags == []
    assert unsent == []


def test_a_request_stored_while_a_task_works_keeps_the_person_pending_with_the_earlier_day(producer, db):
    app, _broker = producer
    user_id = uuid.uuid4().hex
    recompute.request_recompute(app, user_id, ["2026-11-20"])
    recompute.task_started(user_id)
    read = datetime.now(UTC) - timedelta(milliseconds=1)  # stored times are whole milliseconds
    taken = recompute.take_requests([user_id])
    assert taken[user_id]["from_day"] == "2026-11-20"
    recompute.request_recompute(app, user_id, ["2026-11-22"])  # while the task recomputes
    recompute.finish_requests(taken.values())
    left = db.recompute_requests.find_one({"_id": user_id})
    assert left["from_day"] == "2026-11-20"  # both days: the next task may redo the 20th, harmlessly
    assert left["at"] >= read  # the write left pending is no older than the task's read
    again = recompute.take_requests([user_id])
    assert again[user_id]["from_day"] == "2026-11-20"
    recompute.finish_requests(again.values())
    assert not recompute.is_pending(user_id)


def test_a_flag_left_by_a_writer_that_died_before_storing_its_request_is_swept(producer, db, redis):
    app, broker = producer
    user_id = uuid.uuid4().hex
    # A write set the flag, then its process died before storing its request and sending a task.
    redis.set(recompute.queued_flag(user_id), "2026-11-20", ex=recompute.QUEUED_FLAG_TTL_S)
    # The flag covers the person's next writes of that day: no request, no task.
    assert recompute.request_recompute(app, user_id, ["2026-11-21"]) is False
    assert not recompute.is_pending(user_id)
    assert broker.llen(QUEUE_SUMMARIES) == 0
    # A flag set moments ago may be a live writer's, about to store its request: left alone.
    assert recompute.sweep(app, before=datetime.now(UTC) - timedelta(seconds=10)) == 0
    assert recompute.sweep(app, before=datetime.now(UTC) + timedelta(seconds=2)) == 1
    assert broker.llen(QUEUE_SUMMARIES) == 1
    recompute.task_started(user_id)
    assert recompute.take_requests([user_id])[user_id]["from_day"] == "2026-11-20"  # the task takes it


@pytest.fixture
def redis_down(settings, db):
    """Redis refuses every connection: each write stores its request (no flag covers it)."""
    redis_client.configure(dataclasses.replace(settings, redis_url="redis://127.0.0.1:1/0"))
    yield
    redis_client.configure(settings)


def test_concurrent_requests_for_one_person_are_one_document_counting_every_request(producer, db, redis_down):
    app, _broker = producer
    user_id, threads, each = uuid.uuid4().hex, 8, 25
    days = [f"2026-11-{10 + (t * each + i) % 17:02d}" for t in range(threads) for i in range(each)]
    failed: list[Exception] = []

    def request(mine: list[str], cached: bool) -> None:
        try:
            for day in mine:  # the day cache's entries, when Redis is down, ask for a full read
                recompute.request_recompute(app, user_id, [day], [(day, "e", b"{}")] if cached else None)
        except Exception as exc:  # noqa: BLE001 - a writer that died would leave nothing to check
            failed.append(exc)

    writers = [
        threading.Thread(target=request, args=(days[t * each : (t + 1) * each], t == threads - 1))
        for t in range(threads)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert failed == []
    [stored] = db.recompute_requests.find({})
    assert stored["_id"] == user_id
    assert stored["from_day"] == min(days)
    assert stored["requests"] == threads * each
    assert stored["full"] is True


def test_a_request_of_the_earlier_shape_is_taken_and_deleted(producer, db):
    app, broker = producer
    user_id = uuid.uuid4().hex
    recompute.request_recompute(app, user_id, ["2026-11-20"])
    broker.delete(QUEUE_SUMMARIES)
    recompute.task_started(user_id)
    # Stored by the previous version: a random id, the person in `user_id`, an earlier day.
    db.recompute_requests.insert_one(
        {
            "_id": uuid.uuid4().hex,
            "user_id": user_id,
            "from_day": "2026-11-02",
            "full": True,
            "at": datetime.now(UTC) - timedelta(minutes=2),
        }
    )
    assert recompute.sweep(app, before=datetime.now(UTC) - timedelta(minutes=1)) == 1
    assert broker.llen(QUEUE_SUMMARIES) == 1
    [stored] = db.recompute_requests.find({})
    assert (stored["_id"], stored["from_day"], stored["full"]) == (user_id, "2026-11-02", True)
    recompute.task_started(user_id)
    recompute.finish_requests(recompute.take_requests([user_id]).values())
    assert db.recompute_requests.count_documents({}) == 0
