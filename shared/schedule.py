"""The periodic jobs beat sends, by task name. Beat only enqueues; tasks claim their own work.

Every task contract that takes no payload is a job someone has to start: it is either scheduled here or
named in ON_DEMAND with the reason nothing schedules it (tests/shared/test_schedule.py holds us to that),
so a job cannot be defined and forgotten.
"""

from __future__ import annotations

from celery.schedules import crontab

from shared.tasks import (
    CLOSE_DAYS,
    PURGE_EXPORTS,
    SCAN_DOSE_REMINDERS,
    SCAN_SCHEDULES,
    SWEEP_OUTBOX,
    SWEEP_RECOMPUTE,
    WAITLIST_STORE,
    TaskContract,
)

# Every zone's midnight falls on a quarter hour (UTC+5:45, +8:45, -9:30 ...): a run one minute after each
# quarter closes every person's day within a minute or so of their midnight.
QUARTER_HOURS_PLUS_ONE = crontab(minute="1,16,31,46")


def _entry(contract: TaskContract, schedule: float | crontab, expires: int) -> dict:
    # `expires` below the interval: a run the workers could not take in time is dropped, not piled up.
    return {
        "task": contract.name,
        "schedule": schedule,
        "options": {"queue": contract.queue, "expires": expires},
    }


# entry name -> {"task": contract name, "schedule": seconds or crontab, "options": {"queue", "expires"}}.
# Features add their scans here; nothing long-running is ever scheduled as an ETA.
BEAT_SCHEDULE: dict[str, dict] = {
    # Emails nobody is sending (a lost task, a worker that died mid-send) are sent again once their lease
    # ends: every few seconds, so a sign-in code lost with its worker still arrives within half a minute.
    # One indexed query per run.
    "sweep-email-outbox": _entry(SWEEP_OUTBOX, 5.0, expires=4),
    # Sign-ups send the task that stores them; this one stores any whose task was lost (a Redis restart).
    "store-waitlist-signups": _entry(WAITLIST_STORE, 60.0, expires=55),
    # Weekly reports and check-in reminders: each person's next due_at (services/workers/reports/schedule.py).
    "scan-schedules": _entry(SCAN_SCHEDULES, 60.0, expires=55),
    # Dose reminders at each plan's dose times: creates the due ones (exactly once each), re-sends those
    # whose send was lost or whose worker died, purges old records (services/workers/dose_reminders).
    "scan-dose-reminders": _entry(SCAN_DOSE_REMINDERS, 60.0, expires=55),
    # Recompute requests older than a minute lost their signal (Redis was down, a send failed): resend.
    "sweep-recompute-requests": _entry(SWEEP_RECOMPUTE, 60.0, expires=55),
    # Each person's day ends at their own midnight: their summaries move on and the ended day is stored.
    # Idempotent, so a late or repeated run changes nothing.
    "close-days": _entry(CLOSE_DAYS, QUARTER_HOURS_PLUS_ONE, expires=600),
    "purge-expired-exports": _entry(PURGE_EXPORTS, 3600.0, expires=3000),
}

# Contracts without a payload that nothing schedules, each with the reason. Empty today: every such job runs
# on a timer.
ON_DEMAND: dict[str, str] = {}
