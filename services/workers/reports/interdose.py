"""Symptoms by the hours since the last dose taken before them: where interdose withdrawal shows, as
symptoms that climb while the next dose nears (docs/reports.md, "Hours after the last dose").

The rule is the app's History's (services/web/src/history/taken.ts): the last dose logged as taken at or
before the entry, at most two days earlier; a skipped dose is no dose.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from statistics import fmean

# Hours after a dose; the last band ends at the two days the rule looks back.
BANDS = ((0, 4), (4, 8), (8, 12), (12, 24), (24, 48))
LOOKBACK = timedelta(hours=BANDS[-1][1])
_BOUNDS = [high for _low, high in BANDS[:-1]]  # an entry on a bound goes to the later band
TYPES = ["symptom", "dose"]
FIELDS = {"type": 1, "occurred_at": 1, "local_day": 1, "data.severity": 1, "data.status": 1}


def first_day(start: str) -> str:
    """The first local day whose doses can come before the period's first entry."""
    return (date.fromisoformat(start) - timedelta(days=LOOKBACK.days)).isoformat()


def profile(entries: list[dict], start: str, end: str) -> dict:
    """The period's symptom entries placed in BANDS by the time since the last dose taken before each:
    their number and mean severity (0-4) per band, and how many had no dose in the two days before.
    `entries`: the person's symptom and dose events from `first_day(start)` to `end`."""
    doses = sorted(
        e["occurred_at"]
        for e in entries
        if e["type"] == "dose" and (e.get("data") or {}).get("status", "taken") == "taken"
    )
    placed: list[list[int]] = [[] for _ in BANDS]
    unplaced = 0
    for entry in entries:
        if entry["type"] != "symptom" or not start <= entry["local_day"] <= end:
            continue
        before = bisect_right(doses, entry["occurred_at"])
        since = entry["occurred_at"] - doses[before - 1] if before else None
        if since is None or since > LOOKBACK:
            unplaced += 1
            continue
        placed[bisect_right(_BOUNDS, since / timedelta(hours=1))].append(entry["data"]["severity"])
    return {
        "bands": [
            {"low": low, "high": high, "entries": len(found), "mean": fmean(found) if found else None}
            for (low, high), found in zip(BANDS, placed, strict=True)
        ],
        "placed": sum(len(found) for found in placed),
        "unplaced": unplaced,
    }
