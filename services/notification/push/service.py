"""Sending one dose reminder: claim its record (shared.dose_reminders), build what it says from the plan
as it is now, push it to each of the person's browsers, remove the subscriptions their push service says
are gone, and email it (through the outbox, with Taken/Skipped links) when no browser took it.

What shows outside the app names no medication and no amount, since a locked screen shows it to anyone
nearby: the app's service worker writes the notification in the app's language from the payload's
structured `doses`, naming them only on a device where the person turned that on (services/web/public/
reminder-text.js). The payload's own English `title` and `body` are as neutral, for a worker that predates
that. The email's opening (its preview line) says only the time; the doses follow, restating the plan,
never instructing: "In your plan: 0.25 mg clonazepam (½ tablet)." The email subject says nothing about doses.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from celery import Celery

from services.notification.push import devices
from services.notification.push.sender import WebPushSender
from shared import catalog, dose_reminders, languages, preferences, push_subscriptions, users
from shared.app_links import app_link, app_path
from shared.email import request_email
from shared.plans import dose_tokens, doses, store
from shared.plans import schedule as arithmetic
from shared.plans.schedule import as_float
from shared.settings import Settings

log = logging.getLogger(__name__)

TEMPLATE = "dose_reminder"
# For a worker that composes nothing itself (one installed before the app did): the time, never the dose.
BODY = "From your plan. Tap to open, or answer here."


def _name(code: str, language: str = languages.DEFAULT) -> str:
    name = catalog.medication_name(code, language)
    return name.lower() if name else code


def email_dose(dose: doses.Dose, language: str = languages.DEFAULT) -> dict:
    """The plan's amount as the person measures it, in parts the email writes in the person's language
    ("0.25 mg clonazepam (½ tablet)", "0,25 mg de clonazepam (½ comprimido)")."""
    unit, count = doses.measure(dose.med, dose.mg) or (None, Fraction(0))
    glyphs = doses.tablet_count(count) if unit == "tablets" else None
    return {
        "mg": as_float(dose.mg),
        "name": _name(dose.medication, language),
        "tablets": as_float(count) if unit == "tablets" else None,
        "tablets_glyphs": glyphs,  # "½", "2¼"; None: written as a number
        "tablets_many": unit == "tablets" and (count > 1 or glyphs is None),
        "ml": as_float(count) if unit == "ml" else None,
    }


def title(at: str) -> str:
    return f"Your {at} reminder"


def push_message(user_id: str, day: str, at: str, planned: list[doses.Dose], tokens: list[str]) -> dict:
    """The push message: every dose at this time (two or three during a crossover), each with its own
    token and its details for the worker to name when the person asked for that on the device."""

    def details(dose: doses.Dose, token: str) -> dict:
        found = doses.measure(dose.med, dose.mg)
        return {
            "medication": dose.medication,
            "name": _name(dose.medication),
            "mg": as_float(dose.mg),
            "amount": {found[0]: as_float(found[1])} if found else None,
            "event_id": dose.event_id(user_id),
            "token": token,
        }

    return {
        "kind": "dose_reminder",
        "title": title(at),
        "body": BODY,
        "day": day,
        "time": at,
        "token": tokens[0],
        "url": app_path(),
        "doses": [details(d, t) for d, t in zip(planned, tokens, strict=True)],
    }


def _planned(user_id: str, day: str, at: str) -> list[doses.Dose]:
    plan = store.current(user_id)
    if plan is None:
        return []
    return [d for d in doses.doses_on(arithmetic.build(plan), date.fromisoformat(day)) if d.time == at]


def _push(record: dict, task_id: str, payload: dict, pusher: WebPushSender, lease: timedelta) -> bool:
    """Push to every subscription not yet reached; True when at least one browser has it. The lease is
    renewed before each push (one is bounded by the sender's timeout), so a person with several browsers
    is never taken over mid-send; a claim lost meanwhile stops here."""
    delivered = bool(record.get("pushed"))
    for sub in push_subscriptions.of_person(record["user_id"]):
        if sub["_id"] in record.get("pushed", []):
            continue
        if not dose_reminders.extend(record["_id"], task_id, datetime.now(UTC) + lease):
            break
        if devices.push(pusher, sub, payload, topic=devices.topic(record["_id"])):
            dose_reminders.mark_pushed(record["_id"], task_id, sub["_id"])
            delivered = True
    return delivered


def _email(celery_app: Celery, settings: Settings, user: dict, record: dict, links: list[tuple]) -> None:
    """The reminder by email, once per record (its idempotency key): each dose with Taken/Skipped links."""
    base = settings.app_base_url.rstrip("/")
    language = languages.of(user)
    doses_data = [
        {
            **email_dose(dose, language),
            "taken_url": f"{base}/doses/{token}?status=taken",
            "skipped_url": f"{base}/doses/{token}?status=skipped",
        }
        for dose, token in links
    ]
    request_email(
        celery_app,
        template=TEMPLATE,
        to=user["email"],
        idempotency_key=f"dose:{record['_id']}",
        data={"time": record["time"], "doses": doses_data, "settings_url": app_link(settings, "settings")},
        user_id=user["_id"],
        language=language,
    )


class Busy(Exception):
    """Another attempt holds the reminder until `until`; come back then."""

    def __init__(self, until: datetime) -> None:
        super().__init__("held by another attempt")
        self.until = until


def deliver(
    celery_app: Celery, settings: Settings, pusher: WebPushSender, rid: str, task_id: str
) -> str | None:
    """Send one dose reminder exactly once; its outcome, None when it is finished already, Busy while
    another attempt's lease runs."""
    now = datetime.now(UTC)
    record = dose_reminders.claim(rid, task_id, now, timedelta(seconds=settings.outbox_lease_seconds))
    if isinstance(record, dose_reminders.Busy):
        raise Busy(record.until)
    if record is None:
        return None
    outcome = _outcome(celery_app, settings, pusher, record, task_id)
    status = dose_reminders.SENT if outcome in ("push", "email") else dose_reminders.SKIPPED
    dose_reminders.finish(rid, task_id, status, outcome, datetime.now(UTC))
    return outcome


def _outcome(
    celery_app: Celery, settings: Settings, pusher: WebPushSender, record: dict, task_id: str
) -> str:
    user = users.find(record["user_id"], {"email": 1, "preferences": 1, "language": 1})
    if user is None:
        return "erased"
    prefs = preferences.effective(user.get("preferences"), preferences.REMINDERS)
    if preferences.reminders_paused(prefs, record["day"]):
        return "paused"  # paused after the scan created it
    planned = _planned(user["_id"], record["day"], record["time"])
    if not planned:
        return "nothing_planned"  # the plan changed since
    now = datetime.now(UTC)
    tokens = [dose_tokens.mint(settings.encryption_keys, user["_id"], d, now) for d in planned]
    message = push_message(user["_id"], record["day"], record["time"], planned, tokens)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    if pusher.configured and _push(record, task_id, message, pusher, lease):
        return "push"
    if prefs["enabled"]:
        _email(celery_app, settings, user, record, list(zip(planned, tokens, strict=True)))
        return "email"
    return "no_channel"
