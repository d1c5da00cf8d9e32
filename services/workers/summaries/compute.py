"""A person's summaries from their events, as a pure function: the same events (in any order) always give
the same result. The service feeds it events from MongoDB and stores what it returns."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from services.workers.summaries import episodes, rolling, taper
from services.workers.summaries.days import summarize_day


def calendar(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def day_summaries(events: list[dict], params: dict[str, Any]) -> dict[str, dict]:
    """Summaries of the days that have events."""
    by_day: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        by_day[e["local_day"]].append(e)
    return {day: summarize_day(day, evs, params) for day, evs in by_day.items()}


def person_summary(
    days_with_data: dict[str, dict], today: str, params: dict[str, Any]
) -> tuple[list[dict], dict]:
    """Every calendar day from the first logged one to `today` (rolling values and episode state added),
    and the person-level summary: episodes, taper progress, current status."""
    if not days_with_data:
        return [], {
            "episodes": [],
            "baseline": episodes.baseline_progress([], params["episodes"]),
            "taper": taper.progress([], {}, today, params["taper"]),
            "status": status([], [], params),
        }
    first = min(days_with_data)
    days = calendar(first, max(today, *days_with_data))
    docs = [days_with_data.get(day) or summarize_day(day, [], params) for day in days]
    burdens = [d["burden"] for d in docs]
    keys = sorted({k for d in docs for k in d["symptoms"]})
    maxima = {k: [d["symptoms"][k]["max"] if k in d["symptoms"] else None for d in docs] for k in keys}
    series = rolling.rolling_series(burdens, maxima, params["rolling"])
    found, states = episodes.detect(days, burdens, params["episodes"])
    for doc, values, state in zip(docs, series, states, strict=True):
        doc["rolling"] = values
        doc["state"] = state
    burden_by_day = {d["day"]: d["burden"] for d in docs}
    progress = taper.progress([d for d in docs if d["has_data"]], burden_by_day, today, params["taper"])
    return docs, {
        "episodes": found,
        "baseline": episodes.baseline_progress(burdens, params["episodes"]),
        "episodes_note": episodes.DISCLAIMER,
        "taper": progress,
        "status": status(docs, found, params),
    }


def status(docs: list[dict], found: list[dict], params: dict[str, Any]) -> dict:
    """Where things stand today: latest logged day, current episode, recent red flags verbatim, and the
    latest red flag ever logged however old, so a late one is never silent."""
    logged = [d for d in docs if d["has_data"]]
    recent_flags, last_flag = [], None
    if docs:
        horizon = recent_red_flag_horizon(docs[-1]["day"], params)
        recent_flags = [f | {"day": d["day"]} for d in docs if d["day"] >= horizon for f in d["red_flags"]]
        flagged = [d for d in docs if d["red_flags"]]
        last_flag = {"day": flagged[-1]["day"], "red_flags": flagged[-1]["red_flags"]} if flagged else None
    ongoing = next((e for e in reversed(found) if e["ongoing"]), None)
    last = docs[-1] if docs else None
    return {
        "last_logged_day": logged[-1]["day"] if logged else None,
        "days_logged": len(logged),
        "current_episode": ongoing,
        "burden_7d": last["rolling"]["burden_7d"] if last else None,
        "trend_per_week": last["rolling"]["trend_per_week"] if last else None,
        "red_flags_recent": recent_flags,
        "has_recent_red_flag": bool(recent_flags),
        "last_red_flag": last_flag,
    }


def recent_red_flag_horizon(today: str, params: dict[str, Any]) -> str:
    """The first day whose red flags are recent: shown in the status and sent a safety email."""
    return (date.fromisoformat(today) - timedelta(days=params["red_flags"]["recent_days"])).isoformat()
