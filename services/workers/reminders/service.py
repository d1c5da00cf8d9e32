"""The reminder rules: on the chosen days at the chosen local time, moved to the end of quiet hours,
never while paused, and skipped when the person already logged that local day. A person with a device
that takes reminders gets it there, through the notifier (which emails it when no device took it);
anyone else by email."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery import Celery

from services.workers.reminders import repository
from shared import checkin_reminders, push_subscriptions
from shared.preferences import WEEKDAYS
from shared.queue import enqueue
from shared.settings import Settings
from shared.tasks import SEND_CHECKIN_REMINDER

log = logging.getLogger(__name__)


def wall_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def at_local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant. A time skipped by a DST change (02:30 on the spring-forward
    night) lands an hour later; a repeated one (01:30 in autumn) means its first occurrence."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def outside_quiet_hours(day: date, at: time, quiet: dict | None) -> tuple[date, time]:
    """(day, time) moved to the end of quiet hours when it falls inside them; windows may wrap midnight."""
    if not quiet:
        return day, at
    start, end = wall_time(quiet["start"]), wall_time(quiet["end"])
    if start == end:
        return day, at
    if start < end:
        return (day, end) if start <= at < end else (day, at)
    if at >= start:
        return day + timedelta(days=1), end
    return (day, end) if at < end else (day, at)


def paused(prefs: dict[str, Any], day: date) -> bool:
    """Paused until a date: reminders resume on that local day."""
    until = prefs.get("paused_until")
    return bool(until) and day.isoformat() < until


def next_due(after: datetime, tz: ZoneInfo, prefs: dict[str, Any]) -> tuple[str, datetime] | None:
    """(local day it is sent on, UTC instant) of the first reminder strictly after `after`, or None when
    no day is chosen."""
    days = {WEEKDAYS.index(d) for d in prefs.get("days") or ()}
    if not days:
        return None
    at = wall_time(prefs["local_time"])
    first = after.astimezone(tz).date() - timedelta(days=1)  # quiet hours may move yesterday's to today
    if prefs.get("paused_until"):
        first = max(first, date.fromisoformat(prefs["paused_until"]) - timedelta(days=1))
    for offset in range(9):
        day = first + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        send_day, send_at = outside_quiet_hours(day, at, prefs.get("quiet_hours"))
        due = at_local(send_day, send_at, tz)
        if due > after and not paused(prefs, send_day):
            return send_day.isoformat(), due
    return None


def send(celery_app: Celery, settings: Settings, user: dict, prefs: dict[str, Any], day: str) -> str:
    """Send the reminder for one local day unless paused or already logged; says what happened."""
    if paused(prefs, date.fromisoformat(day)):
        return "paused"
    if repository.logged_on(user["_id"], day):
        return "already logged"
    if push_subscriptions.of_person(user["_id"]):
        enqueue(celery_app, SEND_CHECKIN_REMINDER, user_id=user["_id"], day=day)
        return "sent to devices"
    return "sent" if checkin_reminders.request(celery_app, settings, user, day) else "sent before"
