"""The scan beat sends every minute: each person whose plan has dose times and who can be reached (a push
subscription, or reminders turned on for email) gets a reminder record for every dose time that came in
the last GRACE, created exactly once (shared.dose_reminders), then sent by the notifier. The same scan
re-sends records nobody is working on (a lost task, a worker that died) and purges old ones.

Nothing waits on Redis: the records and the plans are the truth, so a scan that is late, repeated or run
by two beat processes at once changes nothing (docs/taper-plans.md, "Dose reminders").
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from celery import Celery

from services.workers.dose_reminders.timing import due_at, held_back
from services.workers.reports.schedule import zone
from shared import dose_reminders, preferences, push_subscriptions, users
from shared.plans import doses, store
from shared.plans import schedule as arithmetic
from shared.queue import enqueue
from shared.settings import Settings
from shared.tasks import SEND_DOSE_REMINDER

log = logging.getLogger(__name__)

# A dose time found later than this (the workers were down) gets no reminder: it would arrive out of step
# with the person's day. The app still lists the dose.
GRACE = timedelta(minutes=30)


def person(celery_app: Celery, user_id: str, now: datetime, lease: timedelta) -> Counter[str]:
    """Create (and send) the person's reminders that are due now; what happened, counted."""
    outcomes: Counter[str] = Counter()
    plan = store.current(user_id)
    user = users.find(user_id, {"time_zone": 1, "preferences": 1})
    if plan is None or user is None or not plan.get("dose_times"):
        return outcomes
    prefs = preferences.effective(user.get("preferences"), preferences.REMINDERS)
    if not prefs["enabled"] and not push_subscriptions.of_person(user_id):
        outcomes["no channel"] += 1
        return outcomes
    tz = zone(user.get("time_zone"))
    schedule = arithmetic.build(plan)
    entered = plan["created_at"]
    today = now.astimezone(tz).date()
    for day in (today - timedelta(days=1), today):
        for at in sorted({d.time for d in doses.doses_on(schedule, day)}):
            due = due_at(day, at, tz)
            # Only what came in the last GRACE, and never a time from before the plan version was saved.
            if due > now or now - due > GRACE or due < entered:
                continue
            reason = held_back(prefs, day, at)
            if reason:
                outcomes[reason] += 1
                continue
            rid = dose_reminders.create(user_id, day.isoformat(), at, due, now=now, lease=lease)
            if rid is None:
                outcomes["created before"] += 1
                continue
            enqueue(celery_app, SEND_DOSE_REMINDER, reminder_id=rid)  # after the record is written
            outcomes["created"] += 1
    return outcomes


def scan(celery_app: Celery, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """One pass: due reminders created and sent, stuck ones re-sent, old ones purged."""
    now = now or datetime.now(UTC)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    outcomes: Counter[str] = Counter()
    for user_id in store.people_with_dose_times():
        outcomes += person(celery_app, user_id, now, lease)
    for rid in dose_reminders.take_stuck(now, lease):
        enqueue(celery_app, SEND_DOSE_REMINDER, reminder_id=rid)
        outcomes["re-sent"] += 1
    outcomes["purged"] += dose_reminders.purge(now)
    if outcomes["re-sent"]:
        log.warning(
            "dose reminders re-sent: their send was lost or its worker died",
            extra={"resent": outcomes["re-sent"]},
        )
    return dict(outcomes)
