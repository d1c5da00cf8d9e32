"""Feeding synthetic API-shaped events to the pure computation, as the worker's repository would; reading
back what the workers stored."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.workers.summaries import compute
from services.workers.summaries.service import STORED_ONLY
from shared import catalog
from shared.summaries import summary_days


def observation(event: dict, time_zone: str) -> dict:
    at = datetime.fromisoformat(event["occurred_at"])
    data = {k: v for k, v in event.items() if k not in {"event_id", "type", "occurred_at"}}
    obs = {
        "event_id": event["event_id"],
        "type": event["type"],
        "occurred_at": at,
        "local_day": at.astimezone(ZoneInfo(time_zone)).date().isoformat(),
        "data": data,
        "red_flag": False,
    }
    if event["type"] == "symptom":
        entry = catalog.symptom(event.get("code"))
        obs |= {
            "code": event.get("code"),
            "key": event.get("code"),
            "known": entry is not None,
            "label": entry["label"] if entry else None,
            "label_enc": None,
            "red_flag": bool(entry and entry["red_flag"]),
        }
    if event["type"] in {"dose", "taper_step"}:
        obs |= {
            "code": event.get("medication"),
            "key": event.get("medication"),
            "label": None,
            "label_enc": None,
        }
    return obs


def run(events: list[dict], time_zone: str, today: str, params) -> tuple[list[dict], dict]:
    obs = [observation(e, time_zone) for e in events]
    return compute.person_summary(compute.day_summaries(obs, params), today, params)


def stored_days(user_id: str) -> list[dict]:
    """Every day stored for the person, as the readers see them (day documents, and the days only the summary
    document holds), without what only a day document carries (its id, stamp and parameters)."""
    days = summary_days(user_id, "0001-01-01", "9999-12-31")
    return [{k: v for k, v in day.items() if k not in STORED_ONLY} for day in days]
