"""Shaping stored summaries into chart-ready series; custom labels are decrypted for their owner only.

The answer is sized for a phone drawing a year of days: what is the same on every day (a symptom's label,
a medication's name, factor and citation, the person's id) is said once at the top (`symptoms`,
`medications`, `sources`), and each day carries only its own numbers under the same keys.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared import catalog, crypto, events, recompute, scales
from shared.settings import Settings
from shared.summaries import find_person, summary_days

DEFAULT_DAYS = 28
MAX_DAYS = 731
LOOKBACK_DAYS = 28  # the longest rolling window: a symptom in a day's means was rated within it
# A person without any summary yet: nothing logged (how many days a baseline needs is the workers' to say).
NO_SUMMARY_BASELINE = {"state": "no_data", "logged_days": 0, "needed_days": None}
SYMPTOM_LEGEND = ("code", "label", "custom", "red_flag")
SYMPTOM_DAY = ("max", "mean", "count")
DOSE_LEGEND = ("medication", "label", "diazepam_factor")
DOSE_DAY = ("total_mg", "taken", "skipped", "diazepam_eq_mg")
# Stored on each day, said once at the top level of the answer or not at all.
NOT_PER_DAY = ("user_id", "red_flags")


def _label(entry: dict, settings: Settings) -> str | None:
    if entry.get("label"):
        return entry["label"]
    if entry.get("label_enc"):
        return crypto.decrypt(settings.encryption_keys, entry["label_enc"])
    return entry.get("code") or entry.get("medication")


class _Legend:
    """What the days have in common, collected while their numbers are kept per day."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.symptoms: dict[str, dict] = {}
        self.medications: dict[str, dict] = {}
        self.sources: dict[str, dict] = {}

    def day(self, doc: dict) -> dict:
        symptoms = {}
        for key, s in doc.get("symptoms", {}).items():
            if key not in self.symptoms:
                self.symptoms[key] = {k: s.get(k) for k in SYMPTOM_LEGEND} | {
                    "label": _label(s, self.settings)
                }
            symptoms[key] = {k: s.get(k) for k in SYMPTOM_DAY}
        doses = {}
        for key, d in doc.get("doses", {}).items():
            if key not in self.medications:
                self.medications[key] = self._medication(d)
            doses[key] = {k: d.get(k) for k in DOSE_DAY}
        kept = {k: v for k, v in doc.items() if k not in NOT_PER_DAY}
        return kept | {"symptoms": symptoms, "doses": doses}

    def _medication(self, dose: dict) -> dict:
        entry = {k: dose.get(k) for k in DOSE_LEGEND} | {"label": _label(dose, self.settings)}
        cited = dose.get("factor_source")
        entry["factor_source"] = cited["id"] if cited else None
        if cited:
            self.sources[cited["id"]] = {"title": cited.get("title"), "url": cited.get("url")}
        return entry

    def rolling_only(self, days: list[dict]) -> set[str]:
        """Symptoms that appear only in a rolling mean (rated before the range), which need a legend too:
        a catalogue one is labelled here; the custom ones are returned, for `earlier` to label."""
        custom = set()
        for day in days:
            for key in (day.get("rolling") or {}).get("symptoms", {}):
                if key not in self.symptoms:
                    entry = catalog.symptom(key)
                    self.symptoms[key] = {
                        "code": key if entry else None,
                        "label": entry["label"] if entry else None,
                        "custom": entry is None,
                        "red_flag": bool(entry and entry["red_flag"]),
                    }
                    if entry is None:
                        custom.add(key)
        return custom

    def earlier(self, days: list[dict], keys: set[str]) -> None:
        """Label custom symptoms from the days before the range, where they were rated."""
        for day in reversed(days):
            for key in keys & set(day.get("symptoms", {})):
                if self.symptoms[key]["label"] is None:
                    self.symptoms[key]["label"] = _label(day["symptoms"][key], self.settings)


def _overlaps(episode: dict, start: str, end: str) -> bool:
    last = episode.get("last_day") or episode["start"]
    return episode["start"] <= end and last >= start


def summaries(
    settings: Settings, user_id: str, today: str, start: str | None, end: str | None
) -> dict[str, Any]:
    end = end or today
    start = start or (date.fromisoformat(end) - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    person = find_person(user_id, {"_id": 0}) or {}
    stored = summary_days(user_id, start, end, person)
    legend = _Legend(settings)
    days = [legend.day(d) for d in stored]
    if unlabelled := legend.rolling_only(days):
        # Rare (a custom symptom rated only in the weeks before `from`): one more read, of those weeks.
        before = date.fromisoformat(start) - timedelta(days=1)
        legend.earlier(
            summary_days(
                user_id, (before - timedelta(days=LOOKBACK_DAYS)).isoformat(), before.isoformat(), person
            ),
            unlabelled,
        )
    taper = person.get("taper") or {}
    return {
        "from": start,
        "to": end,
        "first_day": events.first_day(user_id),
        "computed_at": person.get("computed_at"),
        "pending_recompute": recompute.is_pending(user_id),
        # None: a summary stored before the workers computed this field, until its next recompute.
        "baseline": person.get("baseline") if person else NO_SUMMARY_BASELINE,
        "scales": scales.SCALES,
        "symptoms": legend.symptoms,
        "medications": legend.medications,
        "sources": legend.sources,
        "days": days,
        "episodes": [e for e in person.get("episodes", []) if _overlaps(e, start, end)],
        "episodes_note": person.get("episodes_note"),
        "dose_unit": taper.get("unit"),
        "dose_timeline": [t for t in taper.get("timeline", []) if start <= t["day"] <= end],
        "steps": taper.get("steps", []),
        "start_dose": taper.get("start_dose"),
        "current_dose": taper.get("current_dose"),
        "guideline": taper.get("guideline"),
        "red_flags": [f | {"day": d["day"]} for d in stored for f in d.get("red_flags", [])],
        "status": person.get("status"),
    }
