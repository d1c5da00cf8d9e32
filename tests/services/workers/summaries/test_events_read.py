"""A recompute reads its people's events from MongoDB (shared/events.live_since): what recomputing the
latest days stores is exactly what a rebuild from every event stores, and an event written while a
recompute reads is in the summaries after the next task."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib

from services.ingestion.app import create_app
from services.workers.celery import create_worker_app
from services.workers.summaries import params, repository, service
from shared import events, recompute, summaries
from shared.tasks import RECOMPUTE_PERSON
from tests.factories.accounts import person
from tests.services.workers.summaries.helpers import stored_days


def iso(dt):
    return dt.isoformat(timespec="seconds")


@pytest.fixture
def own(settings, redis_server, db):
    """Redis databases of their own, so the session's in-process worker never takes these tasks."""
    mine = dataclasses.replace(settings, redis_url=redis_server.url(10), broker_url=redis_server.url(11))
    redis_lib.Redis.from_url(mine.redis_url).flushdb()
    return mine


class Person:
    def __init__(self, own):
        self.web = create_app(own).test_client()
        self.task = create_worker_app(own).tasks[RECOMPUTE_PERSON.name]
        self.user, self.headers = person()
        self.id = self.user["_id"]

    def log(self, overall: int, days_ago: int = 0, minutes_ago: int = 0) -> str:
        event_id = uuid.uuid4().hex
        at = iso(datetime.now(UTC) - timedelta(days=days_ago, minutes=minutes_ago))
        event = {"event_id": event_id, "type": "check_in", "overall": overall, "occurred_at": at}
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

    def rebuilt(self, own) -> list[dict]:
        """What a rebuild from every stored event stores."""
        summaries.forget(self.id)  # every stored summary of theirs, copies included
        service.recompute(None, own, params.current(), self.id, from_day=None)
        return stored_days(self.id)


def test_recomputing_the_latest_days_stores_what_a_rebuild_from_every_event_stores(own):
    p = Person(own)
    p.log(5, days_ago=3)
    p.log(5, days_ago=1)
    p.log(6, minutes_ago=5)
    p.recompute()
    gone = p.log(2, minutes_ago=3)
    p.symptom(3)
    assert p.web.delete(f"/v1/events/{gone}", headers=p.headers).status_code == 204
    p.log(7)
    p.recompute()
    assert not recompute.is_pending(p.id)
    latest = stored_days(p.id)
    assert latest[-1]["burden"] == 7.0 and latest[-1]["logged"] == {"check_in": 2, "symptom": 1}
    assert p.rebuilt(own) == latest


def test_an_event_written_while_a_recompute_reads_is_in_the_summaries_after_the_next_task(own, monkeypatch):
    p = Person(own)
    p.log(4, minutes_ago=5)
    p.recompute()
    original = repository.events_of

    def write_meanwhile(jobs):
        read = original(jobs)  # this read cannot see the event written next
        monkeypatch.setattr(repository, "events_of", original)
        p.log(9)
        return read

    monkeypatch.setattr(repository, "events_of", write_meanwhile)
    p.log(6, minutes_ago=1)
    p.recompute()
    assert stored_days(p.id)[-1]["check_in"]["count"] == 2  # computed without the write made meanwhile
    assert recompute.is_pending(p.id)  # which left work for the next task
    p.recompute()
    assert not recompute.is_pending(p.id)
    assert stored_days(p.id)[-1]["check_in"]["count"] == 3


def test_a_batch_reads_each_person_from_their_own_day_and_no_deleted_event(db):
    people = [uuid.uuid4().hex for _ in range(3)]
    days = ["2026-11-18", "2026-11-19", "2026-11-20"]
    stored = [
        {"user_id": u, "event_id": f"{u}:{d}", "type": "note", "local_day": d, "deleted_at": None}
        for u in people
        for d in days
    ]
    stored[-1]["deleted_at"] = datetime.now(UTC)
    assert events.insert_many(stored) == set()
    jobs = {people[0]: None, people[1]: "2026-11-19", people[2]: "2026-11-19"}
    found = events.live_since(jobs, {"event_id": 1})
    assert {u: sorted(e["event_id"] for e in found[u]) for u in people} == {
        people[0]: [f"{people[0]}:{d}" for d in days],
        people[1]: [f"{people[1]}:{d}" for d in days[1:]],
        people[2]: [f"{people[2]}:2026-11-19"],
    }
