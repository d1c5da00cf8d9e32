"""Questions for my doctor: facts from the plan and the person's own logs that they may want to bring to
their prescriber. Each is a fact with its dates (and, for the guideline, its citation), never advice: no
sentence here says what to do with a dose (docs/taper-plans.md lists what the platform will not say).
Each carries its English `text` and the numbers and days in it, for a reader that says it in another
language (the app, the doctor report).
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from shared import catalog
from shared import taper_guideline as guideline
from shared.plans.schedule import Schedule, Step, as_float, day_of

PACE_LOOKAHEAD_DAYS = 366  # the pace is checked over the coming year (bounded work on any plan)
ADHERENCE_DAYS = 14  # "logged doses differ from the plan on N of the last 14 days"
RECENT_HOLDS = 3  # a current hold is compared with the person's last few ended holds

NEXT_CUT_IN_WAVE = "next_cut_in_wave"
FIRST_CUT_ABOVE_GUIDELINE = "first_cut_above_guideline"
PACE_ABOVE_GUIDELINE = "pace_above_guideline"
LOGGED_DIFFERS = "logged_differs"
HOLD_LONGER = "hold_longer_than_recent"
HIGH_DAILY_DOSE = "high_daily_dose"

# SA Health names a dose above 50 mg diazepam-equivalent a day among the features for which benzodiazepine
# withdrawal is not managed as an outpatient (docs/taper-plans.md quotes it).
HIGH_DOSE_MG = 50
HIGH_DOSE_SOURCE = {
    "title": "SA Health, Benzodiazepine withdrawal management (emergency department guideline)",
    "url": "https://emergencydepartments.sa.gov.au/wps/wcm/connect/public+content/sa+health+internet/"
    "clinical+resources/clinical+programs+and+practice+guidelines/substance+misuse+and+dependence/"
    "substance+withdrawal+management/benzodiazepine+withdrawal+management",
}


def _mg(value: Fraction | float) -> str:
    return f"{as_float(Fraction(value)):g} mg"


def _name(code: str) -> str:
    return (catalog.medication(code) or {}).get("name", code)


def _long(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _high_dose(schedule: Schedule, today: date) -> dict | None:
    """The planned daily dose today (on the first day, before the plan starts) above the diazepam-equivalent
    dose SA Health names among the features of a withdrawal not managed as an outpatient."""
    day = max(today, day_of(schedule.plan["start_day"]))
    equivalent = (schedule.day(day)["diazepam_equivalent"] or {}).get("mg")
    if equivalent is None or equivalent <= HIGH_DOSE_MG:
        return None
    return {
        "kind": HIGH_DAILY_DOSE,
        "text": (
            f"The planned daily dose on {_long(day)} is {_mg(equivalent)} diazepam-equivalent. SA Health's "
            f"guideline on benzodiazepine withdrawal lists a dose above {HIGH_DOSE_MG} mg a day among the "
            "features for which withdrawal is not managed as an outpatient."
        ),
        "dose_day": day.isoformat(),
        "daily_mg": equivalent,
        "equivalent": True,
        "source": HIGH_DOSE_SOURCE,
    }


def _cut_in_wave(schedule: Schedule, today: date, episodes: list[dict]) -> dict | None:
    step = schedule.next_step(today)
    waves = [e for e in episodes if e.get("kind") == "wave" and e.get("ongoing")]
    if step is None or step.to_mg >= step.from_mg or not waves:
        return None
    wave = max(waves, key=lambda e: e["start"])
    began, last = date.fromisoformat(wave["start"]), date.fromisoformat(wave["last_day"])
    return {
        "kind": NEXT_CUT_IN_WAVE,
        "text": (
            f"The plan's next cut ({_name(step.medication)}, {_mg(step.from_mg)} to {_mg(step.to_mg)}) is on "
            f"{_long(step.day)}. Your logs show a wave that began on {_long(began)} and was still going "
            f"on {_long(last)}."
        ),
        "step_day": step.day.isoformat(),
        "medication": step.medication,
        "from_mg": as_float(Fraction(step.from_mg)),
        "to_mg": as_float(Fraction(step.to_mg)),
        "wave_start": wave["start"],
        "wave_last_day": wave["last_day"],
        "source": None,
    }


def _cuts(schedule: Schedule) -> list[Step]:
    return [s for s in schedule.steps if s.to_mg < s.from_mg]


def _first_cut(schedule: Schedule) -> dict | None:
    if len(schedule.medications) != 1:
        return None  # a crossover's first change is a switch, which the figure does not describe
    cuts = _cuts(schedule)
    if not cuts or -cuts[0].percent <= guideline.INITIAL_PERCENT_MAX:
        return None
    first = cuts[0]
    return {
        "kind": FIRST_CUT_ABOVE_GUIDELINE,
        "text": (
            f"The plan's first cut is {-first.percent:g}% ({_mg(first.from_mg)} to {_mg(first.to_mg)}, on "
            f"{_long(first.day)}). The 2025 guideline gives 5-10% as the usual initial reduction."
        ),
        "step_day": first.day.isoformat(),
        "percent": -first.percent,
        "from_mg": as_float(Fraction(first.from_mg)),
        "to_mg": as_float(Fraction(first.to_mg)),
        "source": guideline.SOURCE,
    }


def _pace(schedule: Schedule, today: date) -> dict | None:
    """The first 14-day stretch, ending on a cut in the coming year, over which the planned total falls
    more than the guideline's reference pace (in diazepam equivalents for a crossover)."""
    horizon = today + timedelta(days=PACE_LOOKAHEAD_DAYS)
    for step in _cuts(schedule):
        if step.day < today:
            continue
        if step.day > horizon:
            break
        before_day = step.day - timedelta(days=guideline.WINDOW_DAYS)
        before, after = schedule.total_mg(before_day), schedule.total_mg(step.day)
        if not before or after is None:
            continue
        fall = (before - after) / before * 100
        if fall > guideline.WINDOW_PERCENT_MAX:
            unit = "" if len(schedule.medications) == 1 else " diazepam-equivalent"
            return {
                "kind": PACE_ABOVE_GUIDELINE,
                "text": (
                    f"Between {_long(before_day)} and {_long(step.day)} the planned daily dose falls "
                    f"{float(fall):.0f}% ({_mg(before)} to {_mg(after)}{unit}). The 2025 guideline notes "
                    f"that the pace typically does not exceed {guideline.WINDOW_PERCENT_MAX}% every 2 weeks."
                ),
                "from_day": before_day.isoformat(),
                "step_day": step.day.isoformat(),
                "percent": round(float(fall), 1),
                "from_mg": as_float(Fraction(before)),
                "to_mg": as_float(Fraction(after)),
                "equivalent": bool(unit),
                "source": guideline.SOURCE,
            }
    return None


def _differs(adherence: list[dict], today: date) -> dict | None:
    first = today - timedelta(days=ADHERENCE_DAYS)
    window = [r for r in adherence if first.isoformat() <= r["day"] < today.isoformat()]
    days = sorted({r["day"] for r in window if r["state"] in ("above_plan", "below_plan")})
    if not days:
        return None
    unlogged = len({r["day"] for r in window}) - len({r["day"] for r in window if r["state"] != "not_logged"})
    text = (
        f"On {len(days)} of the last {ADHERENCE_DAYS} days ({_long(first)} to "
        f"{_long(today - timedelta(days=1))}), the logged doses differ from the plan."
    )
    if unlogged:
        text += f" On {unlogged} of those days no dose was logged."
    return {
        "kind": LOGGED_DIFFERS,
        "text": text,
        "days": days,
        "unlogged_days": unlogged,
        "from_day": first.isoformat(),
        "to_day": (today - timedelta(days=1)).isoformat(),
        "source": None,
    }


def _hold(schedule: Schedule, today: date) -> dict | None:
    current = schedule.hold_on(today)
    if current is None:
        return None
    ended = [h for h in schedule.holds if h.until is not None and h.until <= today][-RECENT_HOLDS:]
    lasted = (today - current.start).days + 1
    if not ended or lasted <= max(h.days for h in ended):
        return None
    earlier = ", ".join(f"{h.days}" for h in ended)
    return {
        "kind": HOLD_LONGER,
        "text": (
            f"Your current hold began on {_long(current.start)} and has lasted {lasted} days. Your "
            f"{'last hold' if len(ended) == 1 else f'last {len(ended)} holds'} lasted {earlier} days."
        ),
        "hold_start": current.start.isoformat(),
        "lasted_days": lasted,
        "earlier_days": [h.days for h in ended],
        "source": None,
    }


def questions(
    schedule: Schedule, today: date, episodes: list[dict], adherence: list[dict]
) -> list[dict[str, Any]]:
    """The facts that apply today, in a fixed order. `adherence` is schedule.adherence over (at least) the
    last 14 days; `episodes` are the person's windows and waves from their summaries."""
    found = (
        _high_dose(schedule, today),
        _cut_in_wave(schedule, today, episodes),
        _first_cut(schedule),
        _pace(schedule, today),
        _differs(adherence, today),
        _hold(schedule, today),
    )
    return [q for q in found if q is not None]
