"""The recompute signal under concurrency, through real Redis and FerretDB: a task taking the requests never
leaves a write's flag behind without a stored request, which is what lets the next batch find that person
(a flag alone would leave the writes it covers to the person's own task, behind every task in the queue)."""

import dataclasses
import threading
import uuid

import redis as redis_lib

from shared import recompute
from shared.celery_app import create_celery

PEOPLE = [uuid.uuid4().hex for _ in range(4)]
ROUNDS, WRITES = 40, 6


def write(app, user_id: str, failed: list) -> None:
    try:
        for _ in range(WRITES):
            recompute.request_recompute(app, user_id, ["2026-11-20"])
    except Exception as exc:  # noqa: BLE001 - a writer that died would leave nothing to check
        failed.append(exc)


def test_a_flag_left_by_a_task_always_has_a_request_for_the_next_batch(settings, redis_server, db, redis):
    own = dataclasses.replace(settings, broker_url=redis_server.url(5))  # no worker consumes this broker
    app = create_celery("test", own)
    broker = redis_lib.Redis.from_url(own.broker_url)
    orphans = []
    try:
        for _ in range(ROUNDS):
            failed: list[Exception] = []
            writers = [threading.Thread(target=write, args=(app, u, failed)) for u in PEOPLE]
            for writer in writers:
                writer.start()
            while any(writer.is_alive() for writer in writers):  # a worker taking batches meanwhile
                recompute.finish_requests(recompute.take_requests(PEOPLE).values())
            for writer in writers:
                writer.join()
            assert failed == []
            # Quiet now: every person still flagged must have a request a batch can find.
            pending = {r["user_id"] for r in db.recompute_requests.find({}, {"user_id": 1})}
            orphans += [u for u in PEOPLE if redis.exists(recompute.queued_flag(u)) and u not in pending]
            recompute.finish_requests(recompute.take_requests(PEOPLE).values())
        assert orphans == []
    finally:
        broker.flushdb()
