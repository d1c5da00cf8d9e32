"""When a dose time comes, in the person's time zone, and whether its reminder is held back.

A time that does not exist on the spring-forward day (02:30 in New York on 8 March 2026) comes at the first
valid minute after it (03:00); one that happens twice on the fall-back day (01:30 on 1 November) comes at
its first occurrence only: each (day, time) is one reminder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.workers.reminders.service import wall_time
from shared.preferences import reminders_paused

# A gap is at most a day long (Samoa skipped 30 December 2011); the search is bounded by it.
MAX_GAP_MINUTES = 24 * 60


def due_at(day: date, at: str, tz: ZoneInfo) -> datetime:
    """The UTC instant of local `at` on `day`."""
    naive = datetime.combine(day, wall_time(at))
    for minutes in range(MAX_GAP_MINUTES + 1):
        wall = naive + timedelta(minutes=minutes)
        instant = wall.replace(tzinfo=tz).astimezone(UTC)  # fold=0: the first of a repeated hour
        if instant.astimezone(tz).replace(tzinfo=None) == wall:  # the wall time exists that day
            return instant
    raise ValueError(f"no valid local time after {at} on {day} in {tz.key}")


def in_quiet_hours(at: time, quiet: dict | None) -> bool:
    """Whether a wall time falls inside quiet hours {start, end} (which may wrap midnight)."""
    if not quiet:
        return False
    start, end = wall_time(quiet["start"]), wall_time(quiet["end"])
    if start == end:
        return False
    return start <= at < end if start < end else at >= start or at < end


def held_back(prefs: dict[str, Any], day: date, at: str) -> str | None:
    """Why a reminder is not sent: paused (until the day reminders resume), or inside quiet hours (a
    dose reminder moved hours later would be misleading, so it is not sent at all)."""
    if reminders_paused(prefs, day.isoformat()):
        return "paused"
    if in_quiet_hours(wall_time(at), prefs.get("quiet_hours")):
        return "quiet hours"
    return None
