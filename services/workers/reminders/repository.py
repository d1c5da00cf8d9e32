"""MongoDB access for reminders: has the person logged anything on a local day."""

from __future__ import annotations

from shared import events, summaries


def logged_on(user_id: str, day: str) -> bool:
    """True when the day's summary has data or any live event falls on that local day (the summary can
    lag a fresh event by a few seconds, so the events are asked too)."""
    if any(d.get("has_data") for d in summaries.summary_days(user_id, day, day)):
        return True
    return events.any_live_on(user_id, day)
