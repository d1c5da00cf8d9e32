"""Symptoms by the hours since the last dose taken before them (services/workers/reports/interdose.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.workers.reports import interdose

START, END = "2026-03-09", "2026-03-15"
MONDAY = datetime(2026, 3, 9, 8, tzinfo=UTC)


def dose(at: datetime, status: str = "taken") -> dict:
    return {"type": "dose", "occurred_at": at, "local_day": at.date().isoformat(), "data": {"status": status}}


def symptom(at: datetime, severity: int) -> dict:
    return {
        "type": "symptom",
        "occurred_at": at,
        "local_day": at.date().isoformat(),
        "data": {"severity": severity},
    }


def bands(found: dict) -> dict[str, tuple[int, float | None]]:
    return {f"{b['low']}-{b['high']}": (b["entries"], b["mean"]) for b in found["bands"]}


def test_each_entry_counts_from_the_last_dose_taken_before_it():
    h = timedelta(hours=1)
    found = interdose.profile(
        [
            dose(MONDAY),
            symptom(MONDAY + 1 * h, 1),
            symptom(MONDAY + 3 * h, 2),
            symptom(MONDAY + 10 * h, 3),
            dose(MONDAY + 24 * h),
            symptom(MONDAY + 26 * h, 0),  # the newer dose counts, not Monday's
            symptom(MONDAY + 47 * h, 4),  # 23 h after Tuesday's
        ],
        START,
        END,
    )
    assert bands(found) == {
        "0-4": (3, 1.0),
        "4-8": (0, None),
        "8-12": (1, 3),
        "12-24": (1, 4),
        "24-48": (0, None),
    }
    assert (found["placed"], found["unplaced"]) == (5, 0)


def test_a_bound_belongs_to_the_later_band_and_two_days_is_the_furthest_back():
    h = timedelta(hours=1)
    entries = [dose(MONDAY), symptom(MONDAY + 4 * h, 2), symptom(MONDAY + 48 * h, 3)]
    entries.append(symptom(MONDAY + 48 * h + timedelta(minutes=1), 4))
    found = interdose.profile(entries, START, END)
    assert bands(found)["4-8"] == (1, 2) and bands(found)["24-48"] == (1, 3)
    assert (found["placed"], found["unplaced"]) == (2, 1)


def test_a_skipped_dose_is_no_dose_and_an_entry_before_any_dose_is_unplaced():
    h = timedelta(hours=1)
    found = interdose.profile(
        [
            symptom(MONDAY - h, 3),  # before any dose
            dose(MONDAY),
            dose(MONDAY + 20 * h, status="skipped"),
            symptom(MONDAY + 22 * h, 4),  # 22 h after Monday's dose taken, not 2 h after the skipped one
        ],
        START,
        END,
    )
    assert bands(found)["12-24"] == (1, 4) and bands(found)["0-4"] == (0, None)
    assert (found["placed"], found["unplaced"]) == (1, 1)


def test_doses_before_the_period_count_and_entries_outside_it_do_not():
    before = MONDAY - timedelta(hours=30)  # Saturday 7 March, 02:00
    found = interdose.profile(
        [
            dose(before),
            symptom(before + timedelta(hours=2), 4),  # before the period: not in it
            symptom(MONDAY - timedelta(hours=2), 2),  # Monday 06:00, 28 h after Saturday's dose
            symptom(datetime(2026, 3, 16, 1, tzinfo=UTC), 1),  # after the period
        ],
        START,
        END,
    )
    assert bands(found)["24-48"] == (1, 2)
    assert (found["placed"], found["unplaced"]) == (1, 0)
    assert interdose.first_day(START) == "2026-03-07"
