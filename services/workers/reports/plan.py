"""The taper plan's part of a report: planned versus logged doses in the period, the next planned step
after it, and the facts for the prescriber as of the day after it (computed by shared.plans, as the app
shows them). The plan is what the person entered; the report restates it and never proposes a dose."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from services.workers.reports import i18n
from shared import catalog, languages
from shared import taper_guideline as guideline
from shared.plans import questions, schedule

# The plan's facts (shared.plans.questions) in another language, from their numbers and days; English
# keeps the text as the app shows it.
FACTS = {
    questions.HIGH_DAILY_DOSE: (
        "The planned daily dose on %(dose_day)s is %(daily_mg)s. SA Health's guideline on benzodiazepine "
        "withdrawal lists a dose above %(high_dose)s mg a day among the features for which withdrawal is not "
        "managed as an outpatient."
    ),
    questions.NEXT_CUT_IN_WAVE: (
        "The plan's next cut (%(medication)s, %(from_mg)s to %(to_mg)s) is on %(step_day)s. Your logs show a "
        "wave that began on %(wave_start)s and was still going on %(wave_last_day)s."
    ),
    questions.FIRST_CUT_ABOVE_GUIDELINE: (
        "The plan's first cut is %(percent)s (%(from_mg)s to %(to_mg)s, on %(step_day)s). The 2025 guideline "
        "gives 5-10%% as the usual initial reduction."
    ),
    questions.PACE_ABOVE_GUIDELINE: (
        "Between %(from_day)s and %(step_day)s the planned daily dose falls %(percent)s (%(from_mg)s to "
        "%(to_mg)s). The 2025 guideline notes that the pace typically does not exceed %(limit)s every 2 "
        "weeks."
    ),
    questions.LOGGED_DIFFERS: (
        "On %(count)s of the last %(days)s days (%(from_day)s to %(to_day)s), the logged doses differ from "
        "the plan."
    ),
    questions.HOLD_LONGER: (
        "Your current hold began on %(hold_start)s and has lasted %(lasted_days)s days. Your recent holds "
        "lasted %(earlier_days)s days."
    ),
}
UNLOGGED = " On %(unlogged_days)s of those days no dose was logged."
EQUIVALENT_MG = "%(amount)s mg diazepam-equivalent"


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


def said_in(fact: dict, language: str) -> dict:
    """A fact from the plan in `language` (a kind this report cannot say there keeps its English)."""
    if language == languages.DEFAULT or fact["kind"] not in FACTS:
        return fact
    _ = i18n.catalog(language).gettext

    def mg(value: float) -> str:
        amount = i18n.number(value, language, 2)
        return _(EQUIVALENT_MG) % {"amount": amount} if fact.get("equivalent") else f"{amount} mg"

    # As the English text rounds them: a pace to whole per cent, a first cut as planned (12.5%).
    percent = fact.get("percent")
    if fact["kind"] == questions.PACE_ABOVE_GUIDELINE and percent is not None:
        percent = round(percent)
    # Days as the app's facts write them ("Sun 8 Mar 2026", "dom 8 mar 2026"): short, for the first page.
    values = {
        key: f"{i18n.weekday(value, language)} {i18n.short_date(value, language)} {value[:4]}"
        for key, value in fact.items()
        if key.endswith(("_day", "_start")) and isinstance(value, str)
    }
    values |= {
        "medication": catalog.medication_name(fact.get("medication") or "", language)
        or fact.get("medication"),
        "from_mg": fact.get("from_mg") is not None and mg(fact["from_mg"]),
        "to_mg": fact.get("to_mg") is not None and mg(fact["to_mg"]),
        "daily_mg": fact.get("daily_mg") is not None and mg(fact["daily_mg"]),
        "high_dose": questions.HIGH_DOSE_MG,
        "percent": percent is not None and i18n.percent(percent, language).lstrip("+"),
        "limit": i18n.percent(guideline.WINDOW_PERCENT_MAX, language).lstrip("+"),
        "count": len(fact.get("days") or []),
        "days": questions.ADHERENCE_DAYS,
        "lasted_days": fact.get("lasted_days"),
        "earlier_days": ", ".join(str(d) for d in fact.get("earlier_days") or []),
        "unlogged_days": fact.get("unlogged_days"),
    }
    text = _(FACTS[fact["kind"]]) % values
    if fact.get("unlogged_days"):
        text += _(UNLOGGED) % values
    return fact | {"text": text}


def section(
    doc: dict | None,
    days: list[dict],
    person: dict,
    start: str,
    end: str,
    *,
    language: str = languages.DEFAULT,
) -> dict[str, Any] | None:
    """None without a plan. `days` are the stored day summaries up to the period's end (at least the last
    14 days of it); `person` the person's summary (its windows and waves); its facts in `language`."""
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
        "questions": [
            said_in(fact, language)
            for fact in questions.questions(
                built, after, person.get("episodes", []), schedule.adherence(built, logged, recent)
            )
        ],
    }
