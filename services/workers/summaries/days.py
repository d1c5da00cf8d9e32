"""One local calendar day of one person: what was logged, and the day's symptom burden.

Burden is on one 0-10 scale. With a check-in, it is the person's own overall rating that day (the latest
check-in if several): they weigh their symptoms better than any formula. Without one, it is derived from
symptom ratings: the mean of the day's highest per-symptom severities (at most `top_symptoms`), times 2.5
to map CIWA-B's 0-4 onto 0-10. The top few, not all, so that logging more mild symptoms never makes a day
look better, and one stray rating cannot dominate it. Days with neither have no burden: missing, not zero.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from shared import catalog

KINDS = ("symptom", "check_in", "dose", "taper_step", "note")


def _order(event: dict) -> tuple:
    return (event["occurred_at"], event["event_id"])


def _symptoms(events: list[dict]) -> dict[str, dict]:
    grouped: dict[str, dict] = {}
    for e in sorted(events, key=_order):
        entry = grouped.setdefault(
            e["key"],
            {
                "code": e.get("code"),
                "label": e.get("label"),
                "label_enc": e.get("label_enc"),
                "custom": e.get("code") is None or not e.get("known", True),
                "red_flag": e["red_flag"],
                "ratings": [],
            },
        )
        entry["ratings"].append(e["data"]["severity"])
    return {
        key: {
            "code": g["code"],
            "label": g["label"],
            "label_enc": g["label_enc"],
            "custom": g["custom"],
            "red_flag": g["red_flag"],
            "max": max(g["ratings"]),
            "mean": round(fmean(g["ratings"]), 2),
            "count": len(g["ratings"]),
        }
        for key, g in grouped.items()
    }


def _check_in(events: list[dict]) -> dict | None:
    if not events:
        return None
    latest = max(events, key=_order)
    fields = ("overall", "sleep_hours", "sleep_quality", "mood")
    return {f: latest["data"].get(f) for f in fields} | {"count": len(events)}


def _doses(events: list[dict]) -> dict[str, dict]:
    doses: dict[str, dict] = {}
    for e in sorted(events, key=_order):
        entry = doses.setdefault(
            e["key"],
            {
                "medication": e.get("code"),
                "label": e.get("label"),
                "label_enc": e.get("label_enc"),
                "total_mg": 0.0,
                "taken": 0,
                "skipped": 0,
            },
        )
        if e["data"].get("status", "taken") == "skipped":
            entry["skipped"] += 1
        else:
            entry["taken"] += 1
            entry["total_mg"] = round(entry["total_mg"] + e["data"]["amount_mg"], 4)
    for entry in doses.values():
        factor = catalog.diazepam_factor(entry["medication"]) if entry["medication"] else None
        if factor:
            value, source = factor[0], factor[1]
            entry["diazepam_eq_mg"] = round(entry["total_mg"] * value, 3)
            entry["diazepam_factor"] = value
            entry["factor_source"] = {k: source.get(k) for k in ("id", "title", "url")}
        else:
            entry["diazepam_eq_mg"] = None
    return doses


def burden_of(
    symptoms: dict[str, dict], check_in: dict | None, params: dict[str, Any]
) -> tuple[float | None, str]:
    if check_in and check_in.get("overall") is not None:
        return float(check_in["overall"]), "check_in"
    if symptoms:
        top = sorted((s["max"] for s in symptoms.values()), reverse=True)[: params["top_symptoms"]]
        return round(fmean(top) * params["severity_to_burden"], 2), "symptoms"
    return None, "none"


def summarize_day(day: str, events: list[dict], params: dict[str, Any]) -> dict:
    """The day's summary from its events (in any order: the result never depends on arrival order)."""
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for e in events:
        by_kind[e["type"]].append(e)
    symptoms = _symptoms(by_kind["symptom"])
    check_in = _check_in(by_kind["check_in"])
    doses = _doses(by_kind["dose"])
    burden, source = burden_of(symptoms, check_in, params["burden"])
    red_flags = [
        {
            "code": e.get("code"),
            "label": e.get("label"),
            "severity": e["data"]["severity"],
            "occurred_at": e["occurred_at"],
            "event_id": e["event_id"],
        }
        for e in sorted(by_kind["symptom"], key=_order)
        if e["red_flag"]
    ]
    steps = [
        {
            "kind": e["data"]["kind"],
            "medication": e.get("code"),
            "label": e.get("label"),
            "new_daily_dose_mg": e["data"]["new_daily_dose_mg"],
            "to_medication": e["data"].get("to_medication"),
            "occurred_at": e["occurred_at"],
            "event_id": e["event_id"],
        }
        for e in sorted(by_kind["taper_step"], key=_order)
    ]
    known_eq = [d["diazepam_eq_mg"] for d in doses.values() if d["diazepam_eq_mg"] is not None]
    return {
        "day": day,
        "logged": {kind: len(by_kind[kind]) for kind in KINDS if by_kind[kind]},
        "has_data": bool(events),
        "burden": burden,
        "burden_source": source,
        "symptoms": symptoms,
        "check_in": check_in,
        "doses": doses,
        "total_diazepam_eq_mg": round(sum(known_eq), 3) if known_eq else None,
        "red_flags": red_flags,
        "taper_steps": steps,
    }
