"""Synthetic patients with known truth: a taper, a baseline burden drifting down, planted waves and
windows, day-to-day noise, missing days, red flags. Events come out in the API's shape."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Planted:
    kind: str  # "wave" or "window"
    start: date
    length: int
    height: float

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.length - 1)


@dataclass
class Patient:
    time_zone: str
    first_day: date
    days: int
    events: list[dict] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    red_flag_days: list[date] = field(default_factory=list)
    missing_days: set[date] = field(default_factory=set)
    step_days: list[date] = field(default_factory=list)


def _at(day: date, hour: int, tz: str) -> str:
    return datetime.combine(day, time(hour, 0), ZoneInfo(tz)).isoformat()


def generate(
    seed: int,
    *,
    days: int = 365,
    noise_sd: float = 1.0,
    missing: float = 0.2,
    episodes: int = 10,
    start_burden: float = 6.5,
    end_burden: float = 3.5,
    time_zone: str = "Europe/London",
    end: date | None = None,
    red_flags: int = 3,
    start_dose: float = 10.0,
) -> Patient:
    rng = random.Random(seed)
    end = end or datetime.now(ZoneInfo(time_zone)).date()  # the person's today, not UTC's
    first = end - timedelta(days=days - 1)
    patient = Patient(time_zone, first, days)

    # Episodes: non-overlapping, at least 12 days apart, after a first month that sets the baseline.
    cursor, planted = 35, []
    while len(planted) < episodes and cursor < days - 5:
        length = rng.randint(3, 10)
        if cursor + length >= days:
            break
        kind = rng.choice(["wave", "window"])
        height = rng.uniform(2.5, 4.0)
        planted.append(
            Planted(kind, first + timedelta(days=cursor), length, height if kind == "wave" else -height)
        )
        cursor += length + rng.randint(12, 30)
    patient.planted = planted

    def baseline(i: int) -> float:
        return start_burden + (end_burden - start_burden) * i / max(1, days - 1)

    for i in range(days):
        day = first + timedelta(days=i)
        if i > 0 and rng.random() < missing:
            patient.missing_days.add(day)
            continue
        value = baseline(i) + rng.gauss(0, noise_sd)
        for p in planted:
            if p.start <= day <= p.end:
                # Windows cannot go below no symptoms at all; keep them at least half a point above zero.
                value = (
                    baseline(i)
                    + (p.height if p.height > 0 else max(p.height, 0.5 - baseline(i)))
                    + rng.gauss(0, noise_sd)
                )
        overall = min(10, max(0, round(value)))
        patient.events.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": "check_in",
                "occurred_at": _at(day, 21, time_zone),
                "overall": overall,
                "sleep_hours": round(rng.uniform(4, 8), 1),
            }
        )

    # A cut-and-hold taper: 10% of the current dose every 14 days, one dose logged each morning.
    dose = start_dose
    for i in range(days):
        day = first + timedelta(days=i)
        if i and i % 14 == 0:
            dose = round(dose * 0.9, 2)
            patient.step_days.append(day)
        if day not in patient.missing_days:
            patient.events.append(
                {
                    "event_id": uuid.uuid4().hex,
                    "type": "dose",
                    "medication": "diazepam",
                    "amount_mg": dose,
                    "occurred_at": _at(day, 8, time_zone),
                }
            )

    for day in sorted(rng.sample([first + timedelta(days=i) for i in range(days)], red_flags)):
        patient.red_flag_days.append(day)
        patient.events.append(
            {
                "event_id": uuid.uuid4().hex,
                "type": "symptom",
                "code": "chest_pain",
                "severity": 3,
                "occurred_at": _at(day, 14, time_zone),
            }
        )
    return patient


def match(detected: list[tuple[date, date]], planted: list[Planted]) -> tuple[float, float]:
    """(precision, recall): a detected and a planted episode match when they overlap by at least half
    of the shorter one."""

    def overlaps(a: tuple[date, date], p: Planted) -> bool:
        shared = (min(a[1], p.end) - max(a[0], p.start)).days + 1
        shorter = min((a[1] - a[0]).days + 1, p.length)
        return shared >= shorter / 2

    matched_detected = sum(1 for d in detected if any(overlaps(d, p) for p in planted))
    matched_planted = sum(1 for p in planted if any(overlaps(d, p) for d in detected))
    precision = matched_detected / len(detected) if detected else 1.0
    recall = matched_planted / len(planted) if planted else 1.0
    return precision, recall
