"""MongoDB access for reminders: has the person logged anything on a local day."""

from __future__ import annotations

from shared import summaries, users
from shared.mongo import mongo


def logged_on(user_id: str, day: str) -> bool:
    """True when the day's summary has data or any live event falls on that local day (the summary can
    lag a fresh event by a few seconds, so the events are asked too). The day's summary is its day
    document, or for a day not over when the summary was written, the person's summary document."""
    fields = {"day": 1, "has_data": 1}
    stored = mongo.db.day_summaries.find_one({"_id": summaries.day_id(user_id, day)}, fields)
    person = summaries.find_person(user_id, {"today": 1, "recent_days": 1})
    days = summaries.with_open_days([stored] if stored else [], person, day, day)
    if any(d.get("has_data") for d in days):
        return True
    events = mongo.db.events.find({"user_id": user_id, "local_day": day}, {"deleted_at": 1})
    return any(event.get("deleted_at") is None for event in events)


def find_user(user_id: str) -> dict | None:
    return users.find(user_id, {"display_name": 1, "time_zone": 1})
