"""A person's email preferences with their defaults: one place both the API and the workers read.

Stored preferences hold only what the person set (`users.preferences`); everything else comes from here.
Weekly reports and reminders are off until the person turns them on: both are optional email.
"""

from __future__ import annotations

from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

WEEKLY_REPORT = "weekly_report"
REMINDERS = "reminders"

DEFAULTS: dict[str, dict[str, Any]] = {
    WEEKLY_REPORT: {
        "enabled": False,
        "weekday": "monday",  # the report covers the seven days before this day
        "local_time": "09:00",
        "to_self": True,
        "clinician_email": None,  # a clinician gets a link (no health detail), only when named
        "attach_pdf": False,
        "include_notes": False,
    },
    REMINDERS: {
        "enabled": False,
        "local_time": "19:00",
        "days": list(WEEKDAYS),
        "quiet_hours": None,  # {"start": "HH:MM", "end": "HH:MM"}, may wrap midnight
        "paused_until": None,  # "YYYY-MM-DD": reminders resume on this local day
    },
}


def effective(stored: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    """One preference group as it applies: the defaults overlaid with what the person set."""
    return DEFAULTS[kind] | ((stored or {}).get(kind) or {})


def effective_all(stored: dict[str, Any] | None) -> dict[str, Any]:
    return {kind: effective(stored, kind) for kind in DEFAULTS}
