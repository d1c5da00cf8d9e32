"""A plan's doses by time of day: the times the person entered and their own split of each day's planned
dose, the amount of each as they measure it, and the one event id every path records that dose under.

The platform never proposes times or a split: with no `dose_times` a plan has only daily totals. Each
time's part is rounded to what can be measured (the plan's tablet piece, mL or mg resolution); the last
time of the day takes what is left, so the parts always add up to the planned daily dose. A part that
rounds to nothing on a day is not listed that day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from shared.plans.schedule import MedicationSchedule, Schedule, as_float, exact

MAX_DOSE_TIMES = 6
SHARE_TOLERANCE = 0.001
# Fixed forever: the id of a dose must never change, or a repeated confirmation would count twice.
EVENT_NAMESPACE = uuid.UUID("6f1b2c4e-8a4d-5d0e-9c1a-7b3e2d1f0a59")

_PIECES = {
    Fraction(1, 2): "½",
    Fraction(1, 4): "¼",
    Fraction(3, 4): "¾",
    Fraction(1, 8): "⅛",
    Fraction(3, 8): "⅜",
    Fraction(5, 8): "⅝",
    Fraction(7, 8): "⅞",
}


def event_id(user_id: str, medication: str, day: str, at: str) -> str:
    """The dose event's id: the same for the app, the notification and the email link, so a dose
    confirmed on two of them is stored once."""
    return str(uuid.uuid5(EVENT_NAMESPACE, f"{user_id}|{medication}|{day}|{at}"))


@dataclass(frozen=True)
class Dose:
    """One planned dose: a medication at one of the person's times on one local day."""

    day: date
    time: str  # "HH:MM", local
    medication: str
    mg: Fraction
    amount: str | None  # as measured: "½ tablet", "2.5 mL"; None for another form (mg is the measure)
    med: dict  # the plan's medication entry (form, strength, concentration)

    def event_id(self, user_id: str) -> str:
        return event_id(user_id, self.medication, self.day.isoformat(), self.time)

    def as_dict(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "mg": as_float(self.mg),
            "amount": self.amount,
            "medication": self.medication,
        }


def tablet_count(count: Fraction) -> str | None:
    """ "½", "2¼", "3": a count of tablets as a piece of one is written; None for a piece with no glyph."""
    whole, part = divmod(count, 1)
    glyph = _PIECES.get(part)
    if glyph is None and part:
        return None
    return (str(whole) if whole else "") + (glyph or "")


def tablets_text(count: Fraction) -> str:
    text = tablet_count(count)
    if text is None:
        return f"{float(count):g} tablets"
    return f"{text} tablet" + ("s" if count > 1 else "")


def measure(med: dict, mg: Fraction) -> tuple[str, Fraction] | None:
    """The dose in the unit the person measures it by: ("tablets", 1/2) or ("ml", 5/2); None for another
    form (mg is the measure)."""
    if med.get("form") == "tablet" and med.get("tablet_strength_mg"):
        return "tablets", mg / exact(med["tablet_strength_mg"])
    if med.get("form") == "liquid" and med.get("concentration_mg_per_ml"):
        return "ml", mg / exact(med["concentration_mg_per_ml"])
    return None


def amount_text(med: dict, mg: Fraction) -> str | None:
    """The dose as the person measures it, in words."""
    found = measure(med, mg)
    if found is None:
        return None
    unit, count = found
    return tablets_text(count) if unit == "tablets" else f"{as_float(count):g} mL"


def split(daily: Fraction, shares: list[Fraction], unit: Fraction) -> list[Fraction]:
    """The daily dose in the person's shares, each rounded to the measure (halves down), the last taking
    what is left: never more in all than the day's dose, never a part below zero."""
    parts, left = [], daily
    for share in shares[:-1]:
        wanted = daily * share / unit
        whole = wanted.numerator // wanted.denominator
        if wanted - whole > Fraction(1, 2):
            whole += 1
        part = min(whole * unit, left)
        parts.append(part)
        left -= part
    return [*parts, left]


def _medication_doses(med: MedicationSchedule, day: date, times: list[dict]) -> list[Dose]:
    daily = med.dose_on(day)
    if not daily:
        return []
    parts = split(daily, [exact(t["share"]) for t in times], med.unit)
    return [
        Dose(day, t["time"], med.code, mg, amount_text(med.med, mg), med.med)
        for t, mg in zip(times, parts, strict=True)
        if mg > 0
    ]


def doses_on(schedule: Schedule, day: date) -> list[Dose]:
    """The day's planned doses at the person's times, by time then medication; [] without dose times."""
    times = sorted(schedule.plan.get("dose_times") or [], key=lambda t: t["time"])
    if not times:
        return []
    found = [d for med in schedule.medications for d in _medication_doses(med, day, times)]
    return sorted(found, key=lambda d: (d.time, d.medication))
