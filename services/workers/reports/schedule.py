"""Scheduled email: weekly reports and check-in reminders, found by a once-a-minute scan of `due_at`.

Each scan re-derives every person's schedule from their stored preferences and time zone (the ingestion
service only stores preferences; the workers own the schedule), so a change takes effect within a
minute and nothing can drift out of step. A slot whose `due_at` has passed is acted on, then the
schedule moves to the next slot. Acting twice is harmless: the weekly report has a deterministic id and
every email an idempotency key. docs/scheduling.md explains the rules.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from celery import Celery, shared_task

from services.workers.reminders import service as reminders
from services.workers.reports import schedule_repository as repository
from shared import preferences, reports
from shared.reports import request_report, weekly_id
from shared.settings import Settings
from shared.tasks import SCAN_SCHEDULES

log = logging.getLogger(__name__)

WEEKLY, REMINDER = "weekly_report", "checkin_reminder"
PREFERENCE_OF = {WEEKLY: preferences.WEEKLY_REPORT, REMINDER: preferences.REMINDERS}
# A slot found later than this (workers were down) is skipped, not sent late: a reminder at 3 a.m.
# helps nobody, and a report more than two days late is replaced by next week's.
GRACE = {WEEKLY: timedelta(days=2), REMINDER: timedelta(hours=2)}
USER_BATCH = 500


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_weekly_due(after: datetime, tz: ZoneInfo, prefs: dict[str, Any]) -> tuple[str, datetime]:
    """(local day, UTC instant) of the first weekly slot strictly after `after`, from local wall time."""
    weekday = preferences.WEEKDAYS.index(prefs["weekday"])
    at = reminders.wall_time(prefs["local_time"])
    today = after.astimezone(tz).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    while (due := reminders.at_local(day, at, tz)) <= after:
        day += timedelta(days=7)
    return day.isoformat(), due


def next_due(kind: str, after: datetime, tz: ZoneInfo, prefs: dict[str, Any]) -> tuple[str, datetime] | None:
    if kind == WEEKLY:
        return next_weekly_due(after, tz, prefs)
    return reminders.next_due(after, tz, prefs)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekly_period(slot_day: date) -> tuple[str, str]:
    """The seven local days ending the day before the report is sent."""
    return (slot_day - timedelta(days=7)).isoformat(), (slot_day - timedelta(days=1)).isoformat()


def request_weekly_report(celery_app: Celery, user: dict, prefs: dict[str, Any], slot_day: str) -> bool:
    """Ask for this week's report (one per person per ISO week of the day it is sent); True if new."""
    day = date.fromisoformat(slot_day)
    start, end = weekly_period(day)
    _doc, created = request_report(
        celery_app,
        user_id=user["_id"],
        period_start=start,
        period_end=end,
        options={"include_notes": bool(prefs["include_notes"]), "paper": prefs["paper"]},
        kind=reports.WEEKLY,
        report_id=weekly_id(user["_id"], iso_week(day)),
        deliver={
            "to_self": bool(prefs["to_self"]),
            "clinician_email": prefs["clinician_email"] or None,
            "attach_pdf": bool(prefs["attach_pdf"]),
        },
    )
    return created


def basis(kind: str, time_zone: str | None, prefs: dict[str, Any]) -> str:
    """What a due time was computed from; when it changes the schedule is recomputed."""
    raw = json.dumps([kind, time_zone, prefs], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def act(celery_app: Celery, settings: Settings, kind: str, user: dict, *, prefs: dict, slot_day: str) -> str:
    if kind == WEEKLY:
        created = request_weekly_report(celery_app, user, prefs, slot_day)
        return "report requested" if created else "requested before"
    return reminders.send(celery_app, settings, user, prefs, slot_day)


def step(
    celery_app: Celery, settings: Settings, kind: str, user: dict, *, schedule: dict | None, now: datetime
) -> str:
    """Bring one (person, kind) schedule up to date and act on it if due; says what happened."""
    prefs = preferences.effective(user.get("preferences"), PREFERENCE_OF[kind])
    sid = repository.schedule_id(kind, user["_id"])
    if not prefs["enabled"]:
        if schedule is None:
            return "off"
        repository.delete([sid])
        return "turned off"
    tz = zone(user.get("time_zone"))
    fingerprint = basis(kind, user.get("time_zone"), prefs)
    if schedule is None or schedule.get("basis") != fingerprint:
        # New or changed preferences: the next slot from now on (never a backlog of old ones), or from a slot
        # that came due since the last scan, so a change that leaves it due (the notes, the paper, a release
        # adding a preference) does not skip it; acting on it twice is harmless.
        pending = (schedule or {}).get("due_at")
        since = pending if pending and now - GRACE[kind] < pending <= now else now
        slot = next_due(kind, since - timedelta(seconds=1), tz, prefs)
        repository.put(
            kind, user["_id"], fingerprint, due_at=slot and slot[1], slot_day=slot and slot[0], now=now
        )
        schedule = {"due_at": slot and slot[1], "slot_day": slot and slot[0]}
    due_at = schedule.get("due_at")
    if due_at is None or due_at > now:
        return "waiting"
    late = now - due_at > GRACE[kind]
    outcome = (
        "missed"
        if late
        else act(celery_app, settings, kind, user, prefs=prefs, slot_day=schedule["slot_day"])
    )
    following = next_due(kind, max(now, due_at), tz, prefs)
    repository.advance(sid, following and following[1], following and following[0], now)
    if outcome == "missed":
        log.warning(
            "scheduled slot skipped: found too late", extra={"kind": kind, "due_at": due_at.isoformat()}
        )
    return outcome


def scan(celery_app: Celery, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """One pass over every person's schedules; safe to run twice or in two processes at once."""
    now = now or datetime.now(UTC)
    schedules = repository.all_schedules()
    seen: set[str] = set()
    outcomes: Counter[str] = Counter()
    for user in repository.users(USER_BATCH):
        for kind in PREFERENCE_OF:
            sid = repository.schedule_id(kind, user["_id"])
            seen.add(sid)
            try:
                outcomes[step(celery_app, settings, kind, user, schedule=schedules.get(sid), now=now)] += 1
            except Exception:  # one person's bad data must not stop everyone else's email
                log.exception("schedule step failed", extra={"kind": kind})
                outcomes["error"] += 1
    # Schedules of erased accounts (an erasure racing a scan can leave one behind).
    outcomes["removed"] = repository.delete([sid for sid in schedules if sid not in seen])
    return dict(outcomes)


@shared_task(name=SCAN_SCHEDULES.name, bind=True)
def scan_schedules(self) -> dict[str, int]:
    """Beat sends this every minute: request due weekly reports and send due reminders."""
    return scan(self.app, self.runtime.settings)
