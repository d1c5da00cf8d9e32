"""Days not over yet (from the person's local today on) are held by their summary document alone: a fresh
event rewrites that one document. A day gets its day document once it is over, also when it ended between
two recomputes, and every reader sees the days only the summary holds."""

import dataclasses
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis as redis_lib

from services.workers.summaries import params, service
from shared import summaries
from shared.summaries import PERSONS
from tests.factories.accounts import person
from tests.services.workers.summaries.helpers import stored_days
from tests.support.runtimes import ingestion_app


@pytest.fixture
def own(settings, redis_server, db):
    """Redis databases of its own, so the session's in-process worker never takes the recompute signals."""
    mine = dataclasses.replace(settings, redis_url=redis_server.url(14), broker_url=redis_server.url(15))
    redis_lib.Redis.from_url(mine.redis_url).flushdb()
    return mine


class Person:
    def __init__(self, own):
        self.own = own
        self.web = ingestion_app(own).test_client()
        self.user, self.headers = person()
        self.id = self.user["_id"]

    def log(self, overall: int, at: datetime) -> None:
        event = {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "overall": overall,
            "occurred_at": at.isoformat(timespec="seconds"),
        }
        assert self.web.post("/v1/events", json=event, headers=self.headers).status_code == 202

    def recompute(self, from_day: str | None, now: datetime | None = None) -> None:
        service.recompute(None, self.own, params.current(), self.id, from_day=from_day, now=now)

    def day_documents(self, db) -> dict[str, dict]:
        return {d["day"]: d for d in db.day_summaries.find({"user_id": self.id})}

    def rebuilt(self) -> list[dict]:
        """What a full rebuild from nothing stores."""
        summaries.forget(self.id)
        self.recompute(None)
        return stored_days(self.id)


def test_a_fresh_event_rewrites_only_the_summary_document(own, db):
    p, now = Person(own), datetime.now(UTC)
    today = service.local_today(p.user["time_zone"])
    p.log(4, now - timedelta(days=1))
    p.log(5, now - timedelta(minutes=5))
    p.recompute(None)
    yesterday = p.day_documents(db)
    assert list(yesterday) == [(date.fromisoformat(today) - timedelta(days=1)).isoformat()]
    before = db[PERSONS].find_one({"_id": p.id})

    p.log(7, now)
    p.recompute(today)
    assert p.day_documents(db) == yesterday  # not rewritten: the same stamp
    after = db[PERSONS].find_one({"_id": p.id})
    assert after["computed_at"] > before["computed_at"]
    assert after["days_at"] == before["days_at"]  # still names the packed copy, which is still read
    assert summaries.stored_days_of([p.id])[p.id].copy_at == before["days_at"]
    assert [(d["day"], d["burden"]) for d in stored_days(p.id)][-1] == (today, 7.0)
    assert stored_days(p.id) == p.rebuilt()


def test_a_day_that_ended_between_two_recomputes_gets_its_day_document(own, db):
    p, now = Person(own), datetime.now(UTC)
    then = now - timedelta(days=1)
    zone = p.user["time_zone"]
    yesterday, today = service.local_today(zone, then), service.local_today(zone)
    p.log(3, then)
    p.recompute(yesterday, now=then)  # yesterday, while it was today: no day document yet
    assert p.day_documents(db) == {}
    assert [d["burden"] for d in stored_days(p.id)] == [3.0]

    p.log(8, now)
    p.recompute(today)  # asked for today only; yesterday is recomputed too, from its events
    assert {day: d["burden"] for day, d in p.day_documents(db).items()} == {yesterday: 3.0}
    assert [(d["day"], d["burden"]) for d in stored_days(p.id)] == [(yesterday, 3.0), (today, 8.0)]
    assert stored_days(p.id) == p.rebuilt()


def test_a_day_document_an_earlier_version_stored_for_today_is_removed(own, db):
    p, now = Person(own), datetime.now(UTC)
    today = service.local_today(p.user["time_zone"])
    p.log(6, now)
    p.recompute(today)
    assert p.day_documents(db) == {}
    # As a worker from before the packed copy stored today: a day document, and no copy.
    db.day_summaries.insert_one({"_id": f"{p.id}:{today}", "user_id": p.id} | stored_days(p.id)[-1])
    db[summaries.DAY_COPIES].delete_many({"_id": p.id})
    p.log(2, now)
    p.recompute(today)
    assert p.day_documents(db) == {}
    assert stored_days(p.id)[-1]["check_in"]["count"] == 2


def test_readers_of_longer_ranges_see_the_days_only_the_summary_holds(own, db):
    p, now = Person(own), datetime.now(UTC)
    today = service.local_today(p.user["time_zone"])
    start = (date.fromisoformat(today) - timedelta(days=100)).isoformat()
    # Noon on the local day, not `now - 100 days`: across a DST change that instant can fall on the next day.
    p.log(9, datetime.combine(date.fromisoformat(start), time(12), ZoneInfo(p.user["time_zone"])))
    p.log(4, now)
    p.recompute(None)
    assert len(p.day_documents(db)) == 100  # more days than the summary document carries

    body = p.web.get("/v1/summaries", headers=p.headers, query_string={"from": start}).json
    assert len(body["days"]) == 101
    first, last = body["days"][0], body["days"][-1]
    assert (first["burden"], last["day"], last["burden"]) == (9.0, today, 4.0)

    found = summaries.find_person(p.id)
    days = summaries.summary_days(p.id, start, today, found)
    assert [d["day"] for d in days] == [d["day"] for d in body["days"]]
    assert days[-1]["burden"] == 4.0
