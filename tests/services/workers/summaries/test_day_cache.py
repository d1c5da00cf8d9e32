"""Recent days' events cached in Redis (shared/day_cache.py): a recompute reads them there once a read from
MongoDB filled them, and stores exactly what reading MongoDB gives; anything that could make the cache
incomplete sends the recompute back to MongoDB."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from services.workers.summaries import params, repository, service
from shared import day_cache, recompute, summaries
from shared.mongo import mongo
from shared.redis_client import redis_client
from shared.tasks import RECOMPUTE_PERSON
from tests.factories.accounts import person
from tests.services.workers.summaries.helpers import stored_days
from tests.support.runtimes import celery_for, ingestion_app, workers_app


def iso(dt):
    return dt.isoformat(timespec="seconds")


@pytest.fixture
def own(settings, redis_server, db):
    """Redis databases of its own, so the session's in-process worker never takes these tasks."""
    mine = dataclasses.replace(settings, redis_url=redis_server.url(10), broker_url=redis_server.url(11))
    redis_lib.Redis.from_url(mine.redis_url).flushdb()
    return mine


@pytest.fixture
def reads(monkeypatch):
    """The people whose events each recompute read from MongoDB."""
    seen: list[set[str]] = []
    original = repository.events_of

    def counted(jobs):
        seen.append(set(jobs))
        return original(jobs)

    monkeypatch.setattr(repository, "events_of", counted)
    return seen


class Person:
    def __init__(self, own):
        self.app = ingestion_app(own)
        self.web = self.app.test_client()
        self.task = workers_app(own).tasks[RECOMPUTE_PERSON.name]
        self.user, self.headers = person()
        self.id = self.user["_id"]

    def log(self, overall: int, days_ago: int = 0, minutes_ago: int = 0) -> str:
        event_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        at = now - timedelta(days=days_ago, minutes=minutes_ago)
        if not days_ago:  # minutes ago, yet today: in the minutes after midnight, at midnight
            local = now.astimezone(ZoneInfo(self.user["time_zone"]))
            at = max(at, local.replace(hour=0, minute=0, second=0, microsecond=0))
        event = {"event_id": event_id, "type": "check_in", "overall": overall, "occurred_at": iso(at)}
        assert self.web.post("/v1/events", json=event, headers=self.headers).status_code == 202
        return event_id

    def symptom(self, severity: int) -> None:
        event = {
            "event_id": uuid.uuid4().hex,
            "type": "symptom",
            "custom_label": "buzzing feet",
            "severity": severity,
            "occurred_at": iso(datetime.now(UTC)),
        }
        assert self.web.post("/v1/events", json=event, headers=self.headers).status_code == 202

    def recompute(self) -> None:
        self.task.apply(args=[self.id]).get()
        assert not recompute.is_pending(self.id)

    def days(self) -> list[dict]:
        return stored_days(self.id)

    def from_mongodb(self, own) -> list[dict]:
        """What a full rebuild from MongoDB stores."""
        summaries.forget(self.id)  # every stored summary of theirs, copies included
        service.recompute(None, own, params.current(), self.id, from_day=None)
        return self.days()


def test_a_filled_cache_serves_the_next_recompute_with_the_same_result(own, reads):
    p = Person(own)
    p.log(5, days_ago=1)
    p.log(6, minutes_ago=5)
    p.recompute()
    assert p.id in set().union(*reads)  # nothing cached yet: read from MongoDB, which filled the cache
    reads.clear()

    gone = p.log(2, minutes_ago=3)
    p.symptom(3)
    assert p.web.delete(f"/v1/events/{gone}", headers=p.headers).status_code == 204
    p.log(7)
    p.recompute()
    assert reads == []  # every day it needed was complete in the cache
    cached = p.days()
    assert cached[-1]["burden"] == 7.0 and cached[-1]["logged"] == {"check_in": 2, "symptom": 1}
    assert p.from_mongodb(own) == cached


def test_a_mark_from_another_redis_run_is_not_trusted(own, reads):
    p = Person(own)
    p.log(4, minutes_ago=5)
    p.recompute()
    today = service.local_today(p.user["time_zone"])
    redis_client.client.hset(day_cache.key(p.id, today), day_cache.COMPLETE, "an earlier run")
    reads.clear()
    p.log(8)
    p.recompute()
    assert reads and p.id in reads[0]
    assert p.days()[-1]["burden"] == 8.0


def test_a_write_that_could_not_cache_its_event_sends_the_recompute_to_mongodb(own, reads):
    p = Person(own)
    p.log(4)
    p.recompute()
    reads.clear()
    # As ingestion records it when Redis refused the script: the event is stored, the cache lacks it.
    today = service.local_today(p.user["time_zone"])
    mongo.db.events.insert_one(
        {
            "user_id": p.id,
            "event_id": "missed",
            "type": "check_in",
            "occurred_at": datetime.now(UTC),
            "local_day": today,
            "data": {"overall": 9},
            "deleted_at": None,
        }
    )
    mongo.db[recompute.COLLECTION].insert_one(
        {"_id": p.id, "from_day": today, "at": datetime.now(UTC), "full": True, "requests": 1}
    )
    p.recompute()
    assert reads and p.id in reads[0]
    assert p.days()[-1]["check_in"]["count"] == 2


def test_a_tombstone_written_during_a_read_wins_over_what_the_read_saw(own):
    redis_client.configure(own)
    run = day_cache.run_id()
    user_id, day = uuid.uuid4().hex, "2026-11-20"
    alive = {"_id": "e1", "user_id": user_id, "local_day": day, "type": "note", "data": {}}
    # Ingestion deleted the event after the worker's read saw it, but before the worker filled the cache.
    recompute.request_recompute(celery_for("test", own), user_id, [day], [day_cache.tombstone(alive)])
    day_cache.fill(user_id, [day], [alive], run)
    assert day_cache.read({user_id: [day]}, run) == {user_id: []}


def test_erasure_drops_the_cached_days(own):
    p = Person(own)
    p.log(4)
    p.recompute()
    assert list(redis_client.client.scan_iter(match=day_cache.key(p.id, "*")))
    recompute.forget(p.id)
    assert list(redis_client.client.scan_iter(match=day_cache.key(p.id, "*"))) == []
