"""Placing an event in time: device clock correction and the person's local calendar day.

Phones' clocks are often wrong. If the request's `sent_at` differs from our `received_at` by more than
SKEW_THRESHOLD, the device clock is off by about that much, and the event time is corrected by it:
occurred_at = received_at - (sent_at - occurred_at_device). Raw values are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.languages import english as _

# Network latency is well below this; a larger gap is the device clock, not the network.
SKEW_THRESHOLD = timedelta(minutes=2)
FUTURE_TOLERANCE = timedelta(minutes=10)
OLDEST = timedelta(days=5 * 366)


class TimeRejected(ValueError):
    """The event's time cannot be right; the message tells the person what to fix."""


@dataclass(frozen=True)
class Placement:
    occurred_at: datetime  # corrected, UTC
    local_day: str
    clock_skew_s: float | None
    clock_corrected: bool


def place(
    occurred_at_device: datetime, sent_at: datetime | None, received_at: datetime, time_zone: str
) -> Placement:
    try:
        return _place(occurred_at_device, sent_at, received_at, time_zone)
    except OverflowError:
        # Arithmetic left years 1-9999: such a time is absurd, whichever clock is wrong.
        raise TimeRejected(
            _(
                "occurred_at and sent_at are too far apart to be real times. "
                "Check the device's date and time settings."
            )
        ) from None


def _place(
    occurred_at_device: datetime, sent_at: datetime | None, received_at: datetime, time_zone: str
) -> Placement:
    skew = (received_at - sent_at) if sent_at is not None else None
    if sent_at is not None and occurred_at_device > sent_at + FUTURE_TOLERANCE:
        raise TimeRejected(_("occurred_at is later than sent_at: an event can't happen after it was sent."))
    corrected = skew is not None and abs(skew) > SKEW_THRESHOLD
    occurred_at = occurred_at_device + skew if corrected else occurred_at_device
    if occurred_at > received_at + FUTURE_TOLERANCE:
        raise TimeRejected(_("occurred_at is in the future. Check the device's date and time settings."))
    if occurred_at < received_at - OLDEST:
        raise TimeRejected(_("occurred_at is more than five years ago; we can't place it on a day."))
    local_day = occurred_at.astimezone(ZoneInfo(time_zone)).date().isoformat()
    return Placement(
        occurred_at=occurred_at.astimezone(ZoneInfo("UTC")),
        local_day=local_day,
        clock_skew_s=skew.total_seconds() if skew is not None else None,
        clock_corrected=corrected,
    )
