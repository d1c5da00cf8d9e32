"""What a doctor report says for one period, assembled from the stored summaries (drawing is elsewhere).

Every number comes from the workers' summaries: `day_summaries` for the days (burden, symptoms, sleep,
doses, red flags, window/wave state) and `person_summaries` for the taper (dose timeline, steps, pace
notes) and the windows and waves. Nothing is estimated for days without entries: they are counted and
shown as missing. docs/reports.md explains each part.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import fmean, median, quantiles
from typing import Any
from zoneinfo import ZoneInfo

from services.workers.reports import i18n, interdose, plan
from services.workers.summaries import taper as summary_taper
from shared import catalog, crypto, languages, reports

TOP_SYMPTOMS = 5
# The median line and spread band use each day's trailing week, as an AGP uses many readings per hour.
SPREAD_DAYS = 7
SPREAD_MIN_VALUES = 3
# A symptom's mean daily peak (0-4) must move by this much to be called higher or lower.
SYMPTOM_CHANGE_POINTS = 0.5
QUESTION_TAGS = frozenset({"questions for my doctor", "question for my doctor"})
STATES = ("window", "neutral", "wave")
ASSOCIATION = "association, not cause"
UNNAMED = "Unnamed"
DISCLAIMER = (
    "This report shows what the person chose to log in Track Your Healing. It is information to support "
    "a conversation with their clinician: it is not a diagnosis, not medical advice, and never a dosing "
    "instruction. Missing days are missing, not zero."
)
URGENT_CARE = (
    "A symptom marked urgent was logged. If it is severe, new or getting worse, urgent care or the local "
    "emergency number is the right place, not this report."
)


def days_between(start: str, end: str) -> list[str]:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def previous_period(start: str, end: str) -> tuple[str, str]:
    """The period of equal length just before this one."""
    length = len(days_between(start, end))
    first = date.fromisoformat(start)
    return (first - timedelta(days=length)).isoformat(), (first - timedelta(days=1)).isoformat()


def lookback_start(start: str, end: str) -> str:
    """The first day the report needs: the previous period, or the spread window, whichever is longer."""
    length = max(len(days_between(start, end)), SPREAD_DAYS - 1)
    return (date.fromisoformat(start) - timedelta(days=length)).isoformat()


def _label(entry: dict, keys: str, language: str = languages.DEFAULT) -> str:
    """A catalogue symptom's or medication's name in `language`; a custom one as the person wrote it."""
    code = entry.get("code") or entry.get("medication")
    known = (
        catalog.symptom_label(code, language)
        if entry.get("code")
        else catalog.medication_name(code, language)
        if code
        else None
    )
    if known:
        return known
    if entry.get("label"):
        return entry["label"]
    if entry.get("label_enc"):
        return crypto.decrypt(keys, entry["label_enc"])
    return code or i18n.gettext(language, UNNAMED)


def _burden(day: dict | None) -> float | None:
    """The day's burden, as a number; a stored value that is not one fails the report loudly."""
    if day is None or day.get("burden") is None:
        return None
    return float(day["burden"])


def _spread(values: list[float]) -> dict | None:
    if len(values) < SPREAD_MIN_VALUES:
        return None
    q1, _, q3 = quantiles(values, n=4, method="inclusive")
    return {"median": round(median(values), 2), "q1": round(q1, 2), "q3": round(q3, 2)}


def burden_series(period: list[str], by_day: dict[str, dict]) -> list[dict]:
    """Each day's burden (None when nothing was logged) with the median and interquartile range of the
    burdens logged in the week ending that day."""
    series = []
    for day in period:
        end = date.fromisoformat(day)
        window = [(end - timedelta(days=i)).isoformat() for i in range(SPREAD_DAYS)]
        values = [b for b in (_burden(by_day.get(d)) for d in window) if b is not None]
        series.append(
            {"day": day, "burden": _burden(by_day.get(day)), "state": (by_day.get(day) or {}).get("state")}
            | {"spread": _spread(values)}
        )
    return series


def _mean(values: list[float]) -> float | None:
    return round(fmean(values), 1) if values else None


def burden_stats(series: list[dict], previous: list[dict]) -> dict:
    values = [d["burden"] for d in series if d["burden"] is not None]
    before = [_burden(d) for d in previous if _burden(d) is not None]
    return {
        "days_with_burden": len(values),
        "mean": _mean(values),
        "median": round(median(values), 1) if values else None,
        "low": min(values) if values else None,
        "high": max(values) if values else None,
        "previous_mean": _mean(before),
    }


def _symptom_days(docs: list[dict], keys: str, language: str) -> dict[str, dict]:
    grouped: dict[str, dict] = {}
    for doc in docs:
        for key, entry in (doc.get("symptoms") or {}).items():
            g = grouped.setdefault(key, {"entry": entry, "peaks": []})
            g["peaks"].append(float(entry["max"]))
    return {
        key: {
            "label": _label(g["entry"], keys, language),
            "custom": bool(g["entry"].get("custom")),
            "red_flag": bool(g["entry"].get("red_flag")),
            "days": len(g["peaks"]),
            "mean_peak": round(fmean(g["peaks"]), 1),
            "highest": max(g["peaks"]),
            "score": sum(g["peaks"]),
        }
        for key, g in grouped.items()
    }


def _change(now: dict, before: dict | None, earlier: bool) -> str:
    """Against the previous period; "new" only when that period has entries to compare with."""
    if before is None:
        return "new this period" if earlier else "no earlier entries"
    diff = now["mean_peak"] - before["mean_peak"]
    if diff >= SYMPTOM_CHANGE_POINTS:
        return "higher"
    if diff <= -SYMPTOM_CHANGE_POINTS:
        return "lower"
    return "similar"


def top_symptoms(
    period_docs: list[dict], previous_docs: list[dict], keys: str, language: str = languages.DEFAULT
) -> list[dict]:
    """The five symptoms that weighed most (days logged x daily peak), each beside the previous period."""
    now = _symptom_days(period_docs, keys, language)
    before = _symptom_days(previous_docs, keys, language)
    ranked = sorted(now.items(), key=lambda kv: (-kv[1]["score"], kv[1]["label"]))[:TOP_SYMPTOMS]
    return [
        entry
        | {
            "previous_days": before[key]["days"] if key in before else 0,
            "previous_mean_peak": before[key]["mean_peak"] if key in before else None,
            "change": _change(entry, before.get(key), bool(previous_docs)),
        }
        for key, entry in ranked
    ]


def sleep(period_docs: list[dict]) -> dict:
    hours, quality = [], []
    for doc in period_docs:
        check_in = doc.get("check_in") or {}
        if check_in.get("sleep_hours") is not None:
            hours.append(float(check_in["sleep_hours"]))
        if check_in.get("sleep_quality") is not None:
            quality.append(float(check_in["sleep_quality"]))
    return {
        "days_with_hours": len(hours),
        "mean_hours": _mean(hours),
        "days_with_quality": len(quality),
        "mean_quality": _mean(quality),
    }


def red_flags(period_docs: list[dict], keys: str, language: str = languages.DEFAULT) -> list[dict]:
    return [
        {"day": doc["day"], "label": _label(flag, keys, language), "severity": flag.get("severity")}
        for doc in period_docs
        for flag in doc.get("red_flags") or []
    ]


def state_counts(period: list[str], by_day: dict[str, dict]) -> dict[str, int]:
    counts = dict.fromkeys((*STATES, "unknown"), 0)
    for day in period:
        state = (by_day.get(day) or {}).get("state")
        counts[state if state in STATES else "unknown"] += 1
    return counts


def episodes_in(person: dict, start: str, end: str) -> list[dict]:
    """Windows and waves overlapping the period, clipped to it (for shading the chart)."""
    out = []
    for episode in person.get("episodes") or []:
        last = episode.get("last_day") or episode.get("end") or episode["start"]
        if episode["start"] <= end and last >= start:
            out.append(
                {"kind": episode["kind"], "start": max(episode["start"], start), "end": min(last, end)}
            )
    return out


def dose(
    person: dict,
    period_docs: list[dict],
    start: str,
    end: str,
    keys: str,
    *,
    language: str = languages.DEFAULT,
) -> dict:
    """Starting and current daily dose, the period's dose timeline, and what each medication was."""
    taper = person.get("taper") or {}
    timeline = [t for t in taper.get("timeline") or [] if t["day"] <= end]
    before = [t for t in timeline if t["day"] < start]
    shown = ([before[-1]] if before else []) + [t for t in timeline if t["day"] >= start]
    latest = next((d for d in reversed(period_docs) if d.get("doses")), None)
    medications, sources = [], {}
    for entry in (latest or {}).get("doses", {}).values():
        medications.append(
            {
                "label": _label(entry, keys, language),
                "total_mg": entry.get("total_mg"),
                # Logged as skipped, not as 0 mg taken: the day's only entries for it say so.
                "skipped": not entry.get("taken", 1) and bool(entry.get("skipped")),
                "diazepam_eq_mg": entry.get("diazepam_eq_mg"),
                "factor": entry.get("diazepam_factor"),
                "source": (entry.get("factor_source") or {}).get("title"),
            }
        )
    for doc in period_docs:
        for entry in (doc.get("doses") or {}).values():
            source = entry.get("factor_source")
            if source and source.get("id"):
                sources[source["id"]] = source
    # "9 mg diazepam-equivalent": what the mg are, when they are not plain mg.
    unit_note = (taper.get("unit") or "mg").removeprefix("mg").strip() or None
    return {
        "unit": taper.get("unit"),
        "unit_note": unit_note and i18n.gettext(language, unit_note),
        "start": taper.get("start_dose"),
        "start_day": timeline[0]["day"] if timeline else None,
        "current": timeline[-1]["amount"] if timeline else None,
        "change_percent": _percent(taper.get("start_dose"), timeline[-1]["amount"] if timeline else None),
        "current_day": timeline[-1]["day"] if timeline else None,
        "timeline": [{"day": t["day"], "amount": float(t["amount"])} for t in shown],
        "latest_day": latest["day"] if latest else None,
        "medications": medications,
        "sources": list(sources.values()),
    }


def _days_needed(baseline: dict | None) -> int:
    """More logged days the person's baseline needs (summaries' `baseline`: building, logged of needed)."""
    if not baseline or baseline.get("state") != "building":
        return 0
    return max(0, baseline["needed_days"] - baseline["logged_days"])


def _percent(start: float | None, now: float | None) -> float | None:
    return round((now - start) / start * 100, 1) if start and now is not None else None


def pace_note(step: dict, language: str) -> str | None:
    """The step's pace note in `language`; a summary made before notes kept their numbers apart has the
    English one only."""
    pace = step.get("pace")
    if not pace or pace.get("kind") not in summary_taper.PACE_NOTES:
        return step.get("pace_note")
    return i18n.gettext(language, summary_taper.PACE_NOTES[pace["kind"]]) % pace


def _step(step: dict, language: str) -> dict:
    after = step.get("symptoms_after")
    association = i18n.gettext(language, ASSOCIATION)
    return {
        "day": step["day"],
        "kind": step.get("kind"),
        "from_mg": step.get("from_mg"),
        "to_mg": step.get("to_mg"),
        "percent_change": step.get("percent_change"),
        "cumulative_percent": step.get("cumulative_percent"),
        "held_days": step.get("held_days"),
        "held_ongoing": step.get("held_ongoing", False),
        "pace_note": pace_note(step, language),
        "symptoms_after": after and {**after, "label": association},
    }


def taper_steps(person: dict, start: str, end: str, language: str = languages.DEFAULT) -> dict:
    """Steps taken in the period (or, if none, the last one before it) with their neutral pace notes."""
    taper = person.get("taper") or {}
    steps = taper.get("steps") or []
    in_period = [_step(s, language) for s in steps if start <= s["day"] <= end]
    earlier = [s for s in steps if s["day"] < start]
    return {
        "steps": in_period,
        "last_before": _step(earlier[-1], language) if earlier and not in_period else None,
        "guideline": taper.get("guideline"),
        "association": i18n.gettext(language, ASSOCIATION),
    }


def questions(notes: list[dict]) -> list[dict]:
    """Decrypted notes the person tagged as questions for their doctor, oldest first."""
    out = []
    for note in sorted(notes, key=lambda n: n["occurred_at"]):
        data = note.get("data") or {}
        tags = {str(t).strip().lower() for t in data.get("tags") or []}
        if tags & QUESTION_TAGS and data.get("text"):
            out.append({"day": note.get("local_day"), "text": data["text"]})
    return out


def assemble(
    report: dict,
    *,
    user: dict,
    days: list[dict],
    person: dict | None,
    notes: list[dict],
    timed: list[dict],
    keys: str,
    generated_at: datetime,
    plan_doc: dict | None = None,
    language: str = languages.DEFAULT,
) -> dict[str, Any]:
    """The report's content, in `language` (its catalogue names and its own sentences; what the person
    wrote stays as written). `days` are the stored day summaries from `lookback_start` to the period's
    end; `notes` are opened (decrypted) note events of the period, used only if the person chose so;
    `timed` the symptom and dose events `interdose.profile` reads; `plan_doc` the newest version of the
    person's taper plan, if any."""
    _ = i18n.catalog(language).gettext
    start, end = report["period_start"], report["period_end"]
    person = person or {}
    period = days_between(start, end)
    by_day = {d["day"]: d for d in days}
    period_docs = [by_day[d] for d in period if d in by_day and by_day[d].get("has_data")]
    prev_start, prev_end = previous_period(start, end)
    previous_docs = [d for d in days if prev_start <= d["day"] <= prev_end and d.get("has_data")]
    series = burden_series(period, by_day)
    per_kind: dict[str, int] = defaultdict(int)
    for doc in period_docs:
        for kind, n in (doc.get("logged") or {}).items():
            per_kind[kind] += n
    include_notes = bool(report.get("options", {}).get("include_notes"))
    return {
        "report_id": report["_id"],
        "language": language,
        "kind": report.get("kind"),
        "paper": report.get("options", {}).get("paper") or reports.DEFAULT_PAPER,
        "name": user.get("display_name"),
        "time_zone": user.get("time_zone"),
        # The person's own day it was made ("Made 16 Mar"): UTC's can fall inside the period it reports.
        "generated_at": generated_at.astimezone(ZoneInfo(user["time_zone"]))
        if user.get("time_zone")
        else generated_at,
        "period": {"start": start, "end": end, "days": len(period)},
        "previous_period": {"start": prev_start, "end": prev_end, "days_logged": len(previous_docs)},
        "days_logged": len(period_docs),
        "has_data": bool(period_docs),
        "entries": dict(per_kind),
        "red_flags": red_flags(period_docs, keys, language),
        "urgent_care": _(URGENT_CARE),
        "series": series,
        "burden": burden_stats(series, previous_docs),
        "episodes": episodes_in(person, start, end),
        # The summaries keep the English note; a note they no longer write stays as stored.
        "episodes_note": person.get("episodes_note") and _(person["episodes_note"]),
        "states": state_counts(period, by_day),
        # While the baseline is still forming, say how many more logged days it needs (not "too little data").
        "baseline_needs_days": _days_needed(person.get("baseline")),
        "dose": dose(person, period_docs, start, end, keys, language=language),
        "top_symptoms": top_symptoms(period_docs, previous_docs, keys, language),
        "sleep": sleep(period_docs),
        "interdose": interdose.profile(timed, start, end),
        "taper": taper_steps(person, start, end, language),
        # The taper plan as entered, against what was logged (None without one).
        "plan": plan.section(plan_doc, days, person, start, end, language=language),
        "include_notes": include_notes,
        "questions": questions(notes) if include_notes else [],
        "disclaimer": _(DISCLAIMER),
        "reference_note": _(catalog.reference_note()),
        "daily": [
            {
                "day": d,
                "burden": _burden(by_day.get(d)),
                "state": (by_day.get(d) or {}).get("state"),
                "logged": bool((by_day.get(d) or {}).get("has_data")),
                "dose": (by_day.get(d) or {}).get("total_diazepam_eq_mg"),
                "symptoms": len((by_day.get(d) or {}).get("symptoms") or {}),
                "red_flags": len((by_day.get(d) or {}).get("red_flags") or []),
            }
            for d in period
        ],
    }
