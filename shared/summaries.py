"""Reading the workers' summaries: the rule for when a person's document holds the days asked for.

The summaries workers keep the latest days in `person_summaries.recent_days` (see
services/workers/summaries/service.py RECENT_DAYS). They cover a range when they start on or before it,
or when they hold the person's whole history.
"""

from __future__ import annotations


def recent_days_between(person: dict | None, start: str, end: str) -> list[dict] | None:
    """The person's recent days from `start` to `end`, or None when the document does not cover them."""
    recent = (person or {}).get("recent_days") or []
    if not recent or (recent[0]["day"] > start and recent[0]["day"] != person.get("first_day")):
        return None
    return [day for day in recent if start <= day["day"] <= end]
