"""Shaping stored summaries into chart-ready series; custom labels are decrypted for their owner only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.ingestion.summaries import repository
from shared import crypto
from shared.settings import Settings
from shared.summaries import recent_days_between, with_open_days

DEFAULT_DAYS = 28
MAX_DAYS = 731


def _label(entry: dict, settings: Settings) -> str | None:
    if entry.get("label"):
        return entry["label"]
    if entry.get("label_enc"):
        return crypto.decrypt(settings.encryption_keys, entry["label_enc"])
    return entry.get("code") or entry.get("medication")


def _readable_day(doc: dict, settings: Settings) -> dict:
    symptoms = {
        key: {k: v for k, v in s.items() if k != "label_enc"} | {"label": _label(s, settings)}
        for key, s in doc.get("symptoms", {}).items()
    }
    doses = {
        key: {k: v for k, v in d.items() if k != "label_enc"} | {"label": _label(d, settings)}
        for key, d in doc.get("doses", {}).items()
    }
    return doc | {"symptoms": symptoms, "doses": doses}


def _overlaps(episode: dict, start: str, end: str) -> bool:
    last = episode.get("last_day") or episode["start"]
    return episode["start"] <= end and last >= start


def _days(person: dict, user_id: str, start: str, end: str) -> list[dict]:
    """From the person's `recent_days` when they cover the range (the document is read anyway), else the
    day documents themselves with the days only the person's document holds."""
    days = recent_days_between(person, start, end)
    if days is None:
        days = with_open_days(repository.days_between(user_id, start, end), person, start, end)
    return [day | {"user_id": user_id} for day in days]


def summaries(
    settings: Settings, user_id: str, today: str, start: str | None, end: str | None
) -> dict[str, Any]:
    end = end or today
    start = start or (date.fromisoformat(end) - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    person = repository.person(user_id) or {}
    days = [_readable_day(d, settings) for d in _days(person, user_id, start, end)]
    taper = person.get("taper") or {}
    return {
        "from": start,
        "to": end,
        "computed_at": person.get("computed_at"),
        "pending_recompute": repository.pending(user_id),
        "days": days,
        "episodes": [e for e in person.get("episodes", []) if _overlaps(e, start, end)],
        "episodes_note": person.get("episodes_note"),
        "dose_unit": taper.get("unit"),
        "dose_timeline": [t for t in taper.get("timeline", []) if start <= t["day"] <= end],
        "steps": taper.get("steps", []),
        "start_dose": taper.get("start_dose"),
        "current_dose": taper.get("current_dose"),
        "guideline": taper.get("guideline"),
        "red_flags": [f | {"day": d["day"]} for d in days for f in d.get("red_flags", [])],
        "status": person.get("status"),
    }
