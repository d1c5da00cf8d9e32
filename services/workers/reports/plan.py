"""The taper plan's part of a report: planned versus logged doses in the period, the next planned step
after it, and the facts for the prescriber as of the day after it (computed by shared.plans, as the app
shows them). The plan is what the person entered; the report restates it and never proposes a dose."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from shared.plans import questions, schedule


def _logged(days: list[dict]) -> dict[str, dict[str, float]]:
    """mg taken per day and catalogue medication, from the day summaries."""
    return {
        d["day"]: {
            e["medication"]: e["total_mg"]
            for e in (d.get("doses") or {}).values()
            if e.get("medication") and e.get("taken")
        }
        for d in days
    }


def _day_counts(rows: list[dict]) -> dict[str, int]:
    """Days as planned, different (any medication) and not logged (none logged)."""
    by_day: dict[str, set[str]] = {}
    for row in rows:
        by_day.setdefault(row["day"], set()).add(row["state"])
    counts = Counter(
        "different"
        if states & {"above_plan", "below_plan"}
        else "not_logged"
        if states == {"not_logged"}
        else "as_planned"
        for states in by_day.values()
    )
    return {k: counts.get(k, 0) for k in ("as_planned", "different", "not_logged")}


def section(doc: dict | None, days: list[dict], person: dict, start: str, end: str) -> dict[str, Any] | None:
    """None without a plan. `days` are the stored day summaries up to the period's end (at least the last
    14 days of it); `person` the person's summary (its windows and waves)."""
    if doc is None:
        return None
    built = schedule.build(doc)
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    logged = _logged(days)
    period = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    rows = schedule.adherence(built, logged, period)
    after = last + timedelta(days=1)
    recent = [after - timedelta(days=i) for i in range(questions.ADHERENCE_DAYS, 0, -1)]
    step = built.next_step(last)
    finish = built.finish
    # The daily table's unit: diazepam equivalents (None where a drug has no factor).
    planned = {d.isoformat(): (built.day(d)["diazepam_equivalent"] or {}).get("mg") for d in period}
    # The chart's planned line in plain mg when the logged dose is in mg: one medication only.
    single = built.medications[0] if len(built.medications) == 1 else None
    planned_mg = {
        d.isoformat(): schedule.as_float(mg) if single and (mg := single.dose_on(d)) is not None else None
        for d in period
    }
    return {
        "version": doc["version"],
        "counts": _day_counts(rows),
        "planned_eq_by_day": planned,
        "planned_mg_by_day": planned_mg,
        "rows": rows,
        "next_step": step
        and {
            "day": step.day.isoformat(),
            "medication": step.medication,
            "from_mg": schedule.as_float(step.from_mg),
            "to_mg": schedule.as_float(step.to_mg),
        },
        "finish": finish.isoformat() if finish else None,
        "ends": built.ends(),
        "questions": questions.questions(
            built, after, person.get("episodes", []), schedule.adherence(built, logged, recent)
        ),
    }
