"""The periodic jobs beat sends, by task name. Beat only enqueues; tasks claim their own work."""

from __future__ import annotations

from shared.tasks import PURGE_EXPORTS, SCAN_SCHEDULES, SWEEP_OUTBOX

# entry name -> {"task": contract name, "schedule": seconds or crontab, "options": {"queue": ...}}.
# Features add their scans here; nothing long-running is ever scheduled as an ETA.
BEAT_SCHEDULE: dict[str, dict] = {
    "sweep-email-outbox": {
        "task": SWEEP_OUTBOX.name,
        "schedule": 60.0,
        "options": {"queue": SWEEP_OUTBOX.queue, "expires": 55},
    },
    # Weekly reports and check-in reminders: each person's next due_at (services/workers/reports/schedule.py).
    "scan-schedules": {
        "task": SCAN_SCHEDULES.name,
        "schedule": 60.0,
        "options": {"queue": SCAN_SCHEDULES.queue, "expires": 55},
    },
    "purge-expired-exports": {
        "task": PURGE_EXPORTS.name,
        "schedule": 3600.0,
        "options": {"queue": PURGE_EXPORTS.queue, "expires": 3000},
    },
}


def beat_schedule() -> dict[str, dict]:
    return dict(BEAT_SCHEDULE)
