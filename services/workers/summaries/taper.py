"""Taper progress: the daily dose timeline, its steps, how long each was held, and neutral pace notes.

Doses are compared in diazepam-equivalent mg when every medication taken has a catalogue factor (the
factor's source is carried along), else in mg of the one medication taken. A step is a change of the
daily level (the median of `level_days` logged days) by at least `min_step_percent`; a taper_step the
person recorded within `match_days` of it names the step. Notes quote the 2025 guideline's figures as
information for a conversation with the prescriber; they never advise a dose.
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import fmean, median
from typing import Any

from shared import taper_guideline as guideline

ASSOCIATION_LABEL = "association, not cause"
EQUIVALENT_UNIT = "mg diazepam-equivalent"
# The pace notes by kind, their numbers kept apart in the step's `pace` ({"kind", "percent", "days",
# "limit"}) so that a report can say them in its own language (services/workers/reports).
PACE_NOTES = {
    "first_cut": (
        "This first reduction was %(percent)s%%. The 2025 guideline notes that initial reductions are "
        "generally 5-10%%. Information to discuss with your prescriber, not advice."
    ),
    "window": (
        "The dose fell %(percent)s%% within %(days)s days. The 2025 guideline notes that the pace typically "
        "does not exceed %(limit)s%% every 2 weeks. Information to discuss with your prescriber, not advice."
    ),
}


def daily_dose(day_doc: dict) -> tuple[float | None, str | None]:
    """(daily amount, unit) for one day: diazepam-equivalent when possible."""
    doses = [d for d in day_doc["doses"].values() if d["taken"]]
    if not doses:
        return None, None
    if all(d["diazepam_eq_mg"] is not None for d in doses):
        return round(sum(d["diazepam_eq_mg"] for d in doses), 3), EQUIVALENT_UNIT
    if len(doses) == 1:
        return doses[0]["total_mg"], "mg"
    return None, None


def _iso(day: str) -> date:
    return date.fromisoformat(day)


def _detected_changes(timeline: list[dict], params: dict[str, Any]) -> list[dict]:
    """Days where the logged daily dose settles at a new level."""
    window, threshold = params["level_days"], params["min_step_percent"]
    changes, level = [], None
    for i, point in enumerate(timeline):
        ahead = [t["amount"] for t in timeline[i : i + window]]
        if len(ahead) < min(window, len(timeline) - i) or not ahead:
            continue
        new_level = median(ahead)
        if level is None:
            level = new_level
            continue
        if level > 0 and abs(new_level - level) / level * 100 >= threshold and point["amount"] != level:
            changes.append({"day": point["day"], "from": level, "to": new_level, "source": "detected"})
            level = new_level
    return changes


def _recorded_changes(day_docs: list[dict]) -> list[dict]:
    out = []
    for doc in day_docs:
        for step in doc["taper_steps"]:
            out.append(
                {
                    "day": doc["day"],
                    "to_recorded_mg": step["new_daily_dose_mg"],
                    "kind": step["kind"],
                    "medication": step["medication"],
                    "to_medication": step["to_medication"],
                }
            )
    return out


def _pace(step: dict, steps_before: list[dict], params: dict[str, Any]) -> dict | None:
    if step["percent_change"] is None or step["percent_change"] >= 0:
        return None
    cut = -step["percent_change"]
    first_cut = not any(s["percent_change"] is not None and s["percent_change"] < 0 for s in steps_before)
    window_start = _iso(step["day"]) - timedelta(days=guideline.WINDOW_DAYS)
    recent = [s for s in steps_before if _iso(s["day"]) > window_start and s["from_mg"]]
    start_level = recent[0]["from_mg"] if recent else step["from_mg"]
    window_cut = (start_level - step["to_mg"]) / start_level * 100 if start_level else 0
    if first_cut and cut > guideline.INITIAL_PERCENT_MAX:
        return {"kind": "first_cut", "percent": round(cut)}
    if window_cut > guideline.WINDOW_PERCENT_MAX:
        return {
            "kind": "window",
            "percent": round(window_cut),
            "days": guideline.WINDOW_DAYS,
            "limit": guideline.WINDOW_PERCENT_MAX,
        }
    return None


def pace_note(pace: dict) -> str:
    return PACE_NOTES[pace["kind"]] % pace


def _symptoms_after(
    step_day: str, burden_by_day: dict[str, float | None], params: dict[str, Any]
) -> dict | None:
    lag = params["after_cut_lag_days"]
    start = _iso(step_day)
    before = [burden_by_day.get((start - timedelta(days=d)).isoformat()) for d in range(1, lag + 1)]
    after = [burden_by_day.get((start + timedelta(days=d)).isoformat()) for d in range(lag + 1)]
    before = [b for b in before if b is not None]
    after = [b for b in after if b is not None]
    if len(before) < 2 or len(after) < 2:
        return None
    change = round(fmean(after) - fmean(before), 2)
    return {
        "lag_days": lag,
        "mean_before": round(fmean(before), 2),
        "mean_after": round(fmean(after), 2),
        "change": change,
        "rose": change >= params["rise_points"],
        "label": ASSOCIATION_LABEL,
    }


def progress(
    day_docs: list[dict], burden_by_day: dict[str, float | None], today: str, params: dict[str, Any]
) -> dict:
    """The dose timeline and its steps, for charts and the doctor report."""
    timeline = []
    for doc in day_docs:
        amount, unit = daily_dose(doc)
        if amount is not None:
            timeline.append({"day": doc["day"], "amount": amount, "unit": unit})
    recorded = _recorded_changes(day_docs)
    detected = _detected_changes(timeline, params) if timeline else []
    steps: list[dict] = []
    for change in detected:
        match = next(
            (r for r in recorded if abs((_iso(r["day"]) - _iso(change["day"])).days) <= params["match_days"]),
            None,
        )
        steps.append(
            {
                "day": match["day"] if match else change["day"],
                "from_mg": change["from"],
                "to_mg": change["to"],
                "source": "recorded" if match else "detected",
                "kind": match["kind"] if match else None,
            }
        )
    # Recorded steps with no matching dose change (e.g. a planned hold) are kept as recorded.
    for r in recorded:
        if not any(abs((_iso(r["day"]) - _iso(s["day"])).days) <= params["match_days"] for s in steps):
            previous = [t["amount"] for t in timeline if t["day"] < r["day"]]
            steps.append(
                {
                    "day": r["day"],
                    "from_mg": previous[-1] if previous else None,
                    "to_mg": None,
                    "source": "recorded",
                    "kind": r["kind"],
                    "recorded_new_daily_dose_mg": r["to_recorded_mg"],
                }
            )
    steps.sort(key=lambda s: s["day"])
    start_amount = timeline[0]["amount"] if timeline else None
    for i, step in enumerate(steps):
        from_mg, to_mg = step["from_mg"], step["to_mg"]
        step["percent_change"] = (
            round((to_mg - from_mg) / from_mg * 100, 1) if from_mg and to_mg is not None else None
        )
        step["cumulative_percent"] = (
            round((to_mg - start_amount) / start_amount * 100, 1)
            if start_amount and to_mg is not None
            else None
        )
        end = steps[i + 1]["day"] if i + 1 < len(steps) else today
        step["held_days"] = (_iso(end) - _iso(step["day"])).days
        step["held_ongoing"] = i + 1 == len(steps)
        step["pace"] = _pace(step, steps[:i], params)
        step["pace_note"] = step["pace"] and pace_note(step["pace"])
        step["symptoms_after"] = (
            _symptoms_after(step["day"], burden_by_day, params) if (step["percent_change"] or 0) < 0 else None
        )
    return {
        "unit": timeline[-1]["unit"] if timeline else None,
        "timeline": timeline,
        "start_dose": start_amount,
        "current_dose": timeline[-1]["amount"] if timeline else None,
        "steps": steps,
        "guideline": guideline.SOURCE,
    }
