"""The day an email names as the last one its link works ("valid until 20 December"), from the instant the
link stops working: one rule for every email that names such a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# UTC-12, the last zone on Earth to end any day: the zone to name a day in when the reader's is unknown, so
# that day is whole wherever they are.
ANYWHERE = "Etc/GMT+12"


def last_whole_day(expires_at: datetime, time_zone: str = ANYWHERE) -> date:
    """The last day the link works from midnight to midnight in `time_zone`: the day before the local day
    it stops on. "Valid until 21 December" is read as "through the end of 21 December", so a link that
    stops at 00:30 (or at 23:00) on the 22nd names the 21st, as one that stops at midnight exactly does.
    Never a day too generous; at most one day less than the link really gives."""
    moment = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(time_zone)).date() - timedelta(days=1)
