"""The schedule that follows from a taper plan: each day's planned dose, the steps and their dates, the
projected finish, diazepam-equivalent totals with their sources, and planned versus logged doses.

Pure arithmetic on a plan as stored (see shared.plans.store for its shape). Amounts are exact fractions, so
rounding is decided exactly and a property such as "a rounded cut is never larger than the step" holds to
the last digit. Every number follows from what the person entered; nothing here chooses a dose.

Rules (docs/taper-plans.md says the same in words):
- A medication's start dose is taken from its start day; its first step comes one interval later.
- `percent` takes `step_percent` of the current (rounded) dose; `fixed_mg` and `micro` (daily or every few
  days, for a liquid or a scale) move `step_mg` at a time. A step moves toward `target_mg` and never past
  it; a target above the start dose is a medication being crossed over onto (fixed steps up).
- Each planned dose is rounded to what can be measured (a tablet piece, `measure_ml` of a liquid at its
  concentration, or `resolution_mg`), toward the previous dose: a rounded step is never larger than the
  step entered. When rounding leaves a step with nothing to change, the schedule stops there ("stalled"):
  the plan as written cannot go further, which is a question for the prescriber, not for us.
- `last_step_from_mg`: from this dose or below, the next step goes to the target (as agreed).
- A hold from `start` until `until` (the day the schedule resumes) keeps the dose and moves every later
  step by its length; an open hold (no `until`) keeps the dose from its start on.
- An ended plan (`ended_on`, its last day) plans nothing after that day: no dose, no step, no finish.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import cache
from typing import Any

from shared import catalog

# Work on any plan is bounded: a schedule stops after this many steps per medication or this many days.
MAX_STEPS = 4000
HORIZON_DAYS = 3660
# Without a measure (a compounded or weighed form with no resolution given), doses are kept to 1 µg.
FINEST_MG = Fraction(1, 1000)
DEFAULT_MEASURE_ML = Fraction(1, 10)
# Logged and planned amounts closer than this (relative) count as the same dose.
SAME_DOSE = Fraction(1, 200)

# Why a medication's schedule ends.
TARGET = "target"  # the target dose is reached
STALLED = "stalled"  # rounding leaves the next step with nothing to change
OPEN_HOLD = "open_hold"  # an open-ended hold keeps the dose
HORIZON = "horizon"  # more steps than the schedule looks ahead
ENDED = "ended"  # the person ended the plan before its target


def exact(value: float | int | str) -> Fraction:
    """A stored decimal as the exact fraction its digits say (0.1 is one tenth, not a binary float)."""
    return Fraction(str(value))


def as_float(value: Fraction) -> float:
    return round(float(value), 4)


def day_of(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def measure_mg(med: dict) -> Fraction:
    """The smallest amount of this medication the person can measure, in mg."""
    form = med.get("form")
    if form == "tablet" and med.get("tablet_strength_mg"):
        return exact(med["tablet_strength_mg"]) / int(med.get("tablet_pieces") or 1)
    if form == "liquid" and med.get("concentration_mg_per_ml"):
        return exact(med["concentration_mg_per_ml"]) * exact(med.get("measure_ml") or DEFAULT_MEASURE_ML)
    if med.get("resolution_mg"):
        return exact(med["resolution_mg"])
    return FINEST_MG


def measurable(amount: Fraction, unit: Fraction) -> bool:
    return (amount / unit).denominator == 1


def _toward(previous: Fraction, wanted: Fraction, unit: Fraction) -> Fraction:
    """`wanted` rounded to a whole number of `unit`s on the side of `previous` (a smaller change)."""
    units = wanted / unit
    whole = math.ceil(units) if wanted < previous else math.floor(units)
    return whole * unit


@dataclass(frozen=True)
class Hold:
    start: date
    until: date | None  # the day the schedule resumes; None = open-ended

    @property
    def days(self) -> int | None:
        return None if self.until is None else (self.until - self.start).days


def holds_of(plan: dict) -> list[Hold]:
    holds = [Hold(day_of(h["start"]), day_of(h["until"]) if h.get("until") else None) for h in plan["holds"]]
    return sorted(holds, key=lambda h: h.start)


def step_days(first: date, interval: int, holds: list[Hold], limit: date):
    """The days steps fall on: every `interval` days from `first`, each hold moving the rest by its length."""
    offset, pending = 0, list(holds)
    nominal = first
    while True:
        candidate = nominal + timedelta(days=offset)
        while pending and pending[0].start <= candidate:
            hold = pending.pop(0)
            if hold.days is None:
                return
            offset += hold.days
            candidate += timedelta(days=hold.days)
        if candidate > limit:
            return
        yield candidate
        nominal += timedelta(days=interval)


@dataclass(frozen=True)
class Step:
    day: date
    medication: str
    from_mg: Fraction
    to_mg: Fraction

    @property
    def percent(self) -> float:
        return round(float((self.to_mg - self.from_mg) / self.from_mg * 100), 1) if self.from_mg else 0.0


@dataclass
class MedicationSchedule:
    """One medication's steps from its start dose, and why they end."""

    med: dict
    start: date
    start_mg: Fraction
    unit: Fraction
    steps: list[Step] = field(default_factory=list)
    end: str = TARGET
    last_day: date | None = None  # the plan's last day, when the person ended it
    _step_days: list[date] = field(default_factory=list, repr=False)

    @property
    def code(self) -> str:
        return self.med["medication"]

    @property
    def finish(self) -> date | None:
        """The day the target is reached (the start day when it starts there)."""
        if self.end != TARGET:
            return None
        return self.steps[-1].day if self.steps else self.start

    @property
    def step_days(self) -> list[date]:
        # Built once the steps are final (after medication_schedule returns): many days are looked up.
        if len(self._step_days) != len(self.steps):
            self._step_days = [s.day for s in self.steps]
        return self._step_days

    def steps_on(self, day: date) -> bool:
        i = bisect.bisect_left(self.step_days, day)
        return i < len(self.step_days) and self.step_days[i] == day

    def dose_on(self, day: date) -> Fraction | None:
        """The planned daily dose on `day` (None before this medication's start day)."""
        if day < self.start or (self.last_day is not None and day > self.last_day):
            return None
        i = bisect.bisect_right(self.step_days, day)
        return self.steps[i - 1].to_mg if i else self.start_mg

    def amounts(self, mg: Fraction) -> dict[str, Any]:
        """The dose as the person measures it: tablets of their strength, or mL at its concentration."""
        out: dict[str, Any] = {"mg": as_float(mg)}
        if self.med.get("form") == "tablet" and self.med.get("tablet_strength_mg"):
            out["tablets"] = as_float(mg / exact(self.med["tablet_strength_mg"]))
        if self.med.get("form") == "liquid" and self.med.get("concentration_mg_per_ml"):
            out["ml"] = as_float(mg / exact(self.med["concentration_mg_per_ml"]))
        return out


@dataclass(frozen=True)
class _Rule:
    """One medication's step rule, read once (parsing decimals per step would dominate the work)."""

    target: Fraction
    keep: Fraction | None  # what is left of the dose after a percent step; None for a fixed step
    step: Fraction
    last_from: Fraction | None

    @classmethod
    def of(cls, med: dict) -> _Rule:
        percent = med["method"] == "percent"
        return cls(
            target=exact(med.get("target_mg") or 0),
            keep=1 - exact(med["step_percent"]) / 100 if percent else None,
            step=Fraction(0) if percent else exact(med["step_mg"]),
            last_from=None if med.get("last_step_from_mg") is None else exact(med["last_step_from_mg"]),
        )

    def wanted(self, current: Fraction) -> Fraction:
        target = self.target
        if self.last_from is not None and current <= self.last_from:
            return target
        if self.keep is not None:
            wanted = current * self.keep
        else:
            wanted = current + self.step if target >= current else current - self.step
        return max(wanted, target) if target < current else min(wanted, target)


def medication_schedule(plan: dict, med: dict, holds: list[Hold]) -> MedicationSchedule:
    """The steps of one medication in a plan."""
    start = day_of(med.get("start_day") or plan["start_day"])
    last_day = day_of(plan["ended_on"]) if plan.get("ended_on") else None
    out = MedicationSchedule(med, start, exact(med["start_mg"]), measure_mg(med), last_day=last_day)
    rule = _Rule.of(med)
    target = rule.target
    current = out.start_mg
    first = start + timedelta(days=int(med["interval_days"]))
    # A hold counts for a medication from its start day: one over before then does not move its steps.
    holds = [Hold(max(h.start, start), h.until) for h in holds if h.until is None or h.until > start]
    horizon = start + timedelta(days=HORIZON_DAYS)
    days = step_days(first, int(med["interval_days"]), holds, min(horizon, last_day or horizon))
    while current != target:
        day = next(days, None)
        if day is None:
            ended = last_day is not None and last_day < horizon
            out.end = ENDED if ended else OPEN_HOLD if any(h.until is None for h in holds) else HORIZON
            return out
        if len(out.steps) >= MAX_STEPS:
            out.end = HORIZON
            return out
        wanted = rule.wanted(current)
        rounded = wanted if wanted == target else _toward(current, wanted, out.unit)
        if rounded == current:
            out.end = STALLED
            return out
        out.steps.append(Step(day, out.code, current, rounded))
        current = rounded
    out.end = TARGET
    return out


@cache
def _factors(code: str) -> list[tuple[Fraction, dict]]:
    """Every catalogue factor (mg diazepam per mg) for the drug, the default source first."""
    item = catalog.medication(code) or {}
    rows = [r for r in item.get("diazepam_equivalents", []) if r.get("mg_equivalent_to_10mg_diazepam")]
    rows.sort(key=lambda r: r["source"] != item.get("default_factor_source"))
    every = catalog.sources()
    return [
        (
            catalog.DIAZEPAM_REFERENCE_MG / exact(r["mg_equivalent_to_10mg_diazepam"]),
            {"id": r["source"], "title": every[r["source"]]["title"], "url": every[r["source"]]["url"]}
            | {"range": r["range"], "value_basis": r["value_basis"]},
        )
        for r in rows
    ]


@dataclass
class Schedule:
    """A plan's schedule across its medications."""

    plan: dict
    medications: list[MedicationSchedule]
    holds: list[Hold]

    @property
    def steps(self) -> list[Step]:
        return sorted((s for m in self.medications for s in m.steps), key=lambda s: (s.day, s.medication))

    @property
    def finish(self) -> date | None:
        """The day the last medication reaches its target; None if any does not (see `ends`)."""
        days = [m.finish for m in self.medications]
        return None if any(d is None for d in days) else max(days)

    def ends(self) -> dict[str, str]:
        return {m.code: m.end for m in self.medications}

    def next_step(self, today: date) -> Step | None:
        return next((s for s in self.steps if s.day > today), None)

    def hold_on(self, day: date) -> Hold | None:
        if self.plan.get("ended_on") and day > day_of(self.plan["ended_on"]):
            return None  # nothing is planned after an ended plan's last day, a hold neither
        return next((h for h in self.holds if h.start <= day and (h.until is None or day < h.until)), None)

    def total_mg(self, day: date) -> Fraction | None:
        """The planned daily total: diazepam-equivalent when the plan has more than one medication and all
        have a factor, else mg of the one medication; None when there is no common unit."""
        doses = {m.code: m.dose_on(day) for m in self.medications}
        doses = {k: v for k, v in doses.items() if v is not None}
        if len(self.medications) == 1:
            return next(iter(doses.values()), None)
        found = {code: _factors(code) for code in doses}
        if not doses or not all(found.values()):
            return None
        return sum((mg * found[code][0][0] for code, mg in doses.items()), Fraction(0))

    def day(self, day: date) -> dict[str, Any]:
        doses = {m.code: (m, m.dose_on(day)) for m in self.medications}
        planned = {code: m.amounts(mg) for code, (m, mg) in doses.items() if mg is not None}
        hold = self.hold_on(day)
        return {
            "day": day.isoformat(),
            "medications": planned,
            "step": any(m.steps_on(day) for m in self.medications),
            "on_hold": hold is not None,
            "diazepam_equivalent": equivalents({c: mg for c, (_m, mg) in doses.items() if mg is not None}),
        }

    def days(self, first: date, last: date) -> list[dict[str, Any]]:
        return [self.day(first + timedelta(days=i)) for i in range((last - first).days + 1)]


def equivalents(doses: dict[str, Fraction]) -> dict[str, Any] | None:
    """The diazepam-equivalent total of a day's doses by each drug's default catalogue factor, with the
    lowest and highest totals the catalogue's other sources give (`factors` cites them). None when a drug
    has no factor. Reference values for a clinician to confirm, never an instruction."""
    if not doses:
        return None
    total, low, high = Fraction(0), Fraction(0), Fraction(0)
    for code, mg in doses.items():
        values = [f for f, _c in _factors(code)]
        if not values:
            return None
        total += mg * values[0]
        low += mg * min(values)
        high += mg * max(values)
    return {"mg": as_float(total), "range_mg": [as_float(low), as_float(high)]}


def factors(codes: list[str]) -> dict[str, Any]:
    """Each drug's factors (mg diazepam per mg), the default's citation first, and the note to show."""
    out: dict[str, Any] = {}
    for code in codes:
        found = _factors(code)
        out[code] = [{"factor": as_float(f), "source": c} for f, c in found]
    return {"factors": out, "note": catalog.reference_note()}


def build(plan: dict) -> Schedule:
    """The schedule of a stored (or validated) plan."""
    holds = holds_of(plan)
    return Schedule(plan, [medication_schedule(plan, med, holds) for med in plan["medications"]], holds)


def adherence(schedule: Schedule, logged: dict[str, dict[str, float]], days: list[date]) -> list[dict]:
    """Planned versus logged, per day and medication. `logged` maps a local day to {medication: mg taken}.
    A day with nothing logged is `not_logged` (not a difference): people forget to log more than they
    forget a dose."""
    rows = []
    for day in days:
        taken = logged.get(day.isoformat(), {})
        for med in schedule.medications:
            planned = med.dose_on(day)
            if planned is None:
                continue
            got = taken.get(med.code)
            if got is None:
                state = "not_logged"
            else:
                got_mg = exact(got)
                close = abs(got_mg - planned) <= max(planned * SAME_DOSE, FINEST_MG)
                state = "as_planned" if close else ("above_plan" if got_mg > planned else "below_plan")
            rows.append(
                {
                    "day": day.isoformat(),
                    "medication": med.code,
                    "planned_mg": as_float(planned),
                    "logged_mg": got,
                    "state": state,
                }
            )
    return rows
