"""Moving everyone's summaries to their new local day: a recompute for each person whose summary was written
on an earlier local day, none for the others (one read per page of people)."""

import dataclasses

import pytest
import redis as redis_lib

from services.workers.summaries import service, tasks
from shared import recompute
from shared.summaries import PERSONS
from shared.tasks import CLOSE_DAYS
from tests.factories.accounts import person
from tests.support.runtimes import workers_app


@pytest.fixture
def own(settings, redis_server, db):
    """Redis databases of its own, so no worker of the session takes these tasks."""
    mine = dataclasses.replace(settings, redis_url=redis_server.url(20), broker_url=redis_server.url(21))
    for url in (mine.redis_url, mine.broker_url):
        redis_lib.Redis.from_url(url).flushdb()
    return mine


def test_people_whose_day_moved_on_are_recomputed_and_the_others_are_not(own, db, monkeypatch):
    moved, current, never = person()[0], person()[0], person()[0]
    db[PERSONS].insert_many(
        [
            {"_id": moved["_id"], "today": "2020-01-01"},
            {"_id": current["_id"], "today": service.local_today(current["time_zone"])},
        ]
    )
    monkeypatch.setattr(tasks, "CLOSE_BATCH", 2)  # more people than one page
    assert workers_app(own).tasks[CLOSE_DAYS.name].apply().get() == 1
    assert recompute.is_pending(moved["_id"])
    assert not recompute.is_pending(current["_id"])
    assert not recompute.is_pending(never["_id"])
