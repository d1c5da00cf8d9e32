"""A report reads its days from the person's summary document when it holds them, and gets the same days."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.workers.summaries import params, service
from shared import summaries
from shared.mongo import mongo
from shared.summaries import unpack_days
from tests.factories.accounts import person
from tests.services.workers.summaries.helpers import observation
from tests.support.synthetic import generate

STAMPS = ("_id", "user_id", "params", "computed_at")


def strip(days):
    return [{k: v for k, v in d.items() if k not in STAMPS} for d in days]


def test_recent_days_match_the_day_documents(settings, db):
    user, _headers = person()
    today = datetime.now(ZoneInfo(user["time_zone"])).date()
    patient = generate(21, days=120, end=today)
    # Stored as the ingestion service stores events (the fields the summaries read).
    stored = [observation(e, user["time_zone"]) | {"user_id": user["_id"]} for e in patient.events]
    mongo.db.events.insert_many(stored)
    service.recompute(None, settings, params.current(), user["_id"], from_day=None)
    found = summaries.find_person(user["_id"])
    start, end = (today - timedelta(days=40)).isoformat(), (today - timedelta(days=1)).isoformat()
    from_person = summaries.summary_days(user["_id"], start, end, found)
    from_collection = summaries.summary_days(user["_id"], start, end)
    assert len(from_person) == 40
    assert strip(from_person) == strip(from_collection)
    # A range older than the recent days falls back to the day documents.
    old_start = (today - timedelta(days=110)).isoformat()
    old_end = (today - timedelta(days=100)).isoformat()
    assert strip(summaries.summary_days(user["_id"], old_start, old_end, found)) == strip(
        summaries.summary_days(user["_id"], old_start, old_end)
    )
    assert len(unpack_days(found["recent_days"])) == service.RECENT_DAYS
