"""Sending one check-in reminder to a person's devices, asked for by the workers' schedule: a push to
each device that takes reminders, or the reminder email when none took it.

The notification says nothing about health: the app's service worker writes it in the app's language
(services/web/public/reminder-text.js); the payload's English title and body are for a worker that
predates that. A task run twice pushes twice under one Topic and one notification tag, so a device shows
one reminder; the email has its idempotency key.
"""

from __future__ import annotations

from datetime import date

from celery import Celery

from services.notification.push import devices
from services.notification.push.sender import WebPushSender
from shared import checkin_reminders, preferences, push_subscriptions, users
from shared.app_links import app_path
from shared.settings import Settings

KIND = "checkin_reminder"
TITLE = "Time for your check-in"
BODY = "How is today going? A minute is enough."


def message(day: str) -> dict:
    return {"kind": KIND, "title": TITLE, "body": BODY, "day": day, "url": app_path()}


def deliver(celery_app: Celery, settings: Settings, pusher: WebPushSender, user_id: str, day: date) -> str:
    """Remind the person on their devices, else by email; says how."""
    user = users.find(user_id, {"email": 1, "preferences": 1, "language": 1})
    if user is None:
        return "erased"
    prefs = preferences.effective(user.get("preferences"), preferences.REMINDERS)
    if not prefs["enabled"] or preferences.reminders_paused(prefs, day.isoformat()):
        return "turned off"  # since the schedule asked
    topic = devices.topic(f"{KIND}:{user_id}:{day}")
    pushed = [
        devices.push(pusher, sub, message(day.isoformat()), topic=topic)
        for sub in (push_subscriptions.of_person(user_id) if pusher.configured else [])
    ]
    if any(pushed):
        return "push"
    checkin_reminders.request(celery_app, settings, user, day.isoformat())
    return "email"
