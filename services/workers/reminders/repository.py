"""MongoDB access for reminders: has the person logged anything on a local day."""

from __future__ import annotations

from shared.mongo import mongo


def logged_on(user_id: str, day: str) -> bool:
    """True when the day's summary has data or any live event falls on that local day (the summary can
    lag a fresh event by a few seconds, so the events are asked too)."""
    if mongo.db.day_summaries.find_one({"user_id": user_id, "day": day, "has_data": True}, {"_id": 1}):
        return True
    events = mongo.db.events.find({"user_id": user_id, "local_day": day}, {"deleted_at": 1})
    return any(event.get("deleted_at") is None for event in events)
