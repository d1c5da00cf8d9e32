"""Celery tasks for reminders: send one dose reminder (the workers' scan asks for it by the record's id),
or one check-in reminder (the workers' schedule asks for it by person and day)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from celery import shared_task
from marshmallow import ValidationError

from services.notification.push import checkin, service
from shared.tasks import (
    SEND_CHECKIN_REMINDER,
    SEND_DOSE_REMINDER,
    CheckInReminderPayload,
    DoseReminderPayload,
)


@shared_task(name=SEND_DOSE_REMINDER.name, bind=True, dont_autoretry_for=(ValidationError,))
def send_dose_reminder(self, **payload) -> str | None:
    """Push (or email) one dose reminder exactly once."""
    rid = DoseReminderPayload().load(payload)["reminder_id"]
    try:
        return service.deliver(
            self.app, self.runtime.settings, self.runtime.push_sender, rid, self.request.id
        )
    except service.Busy as busy:
        # Another attempt holds it (a duplicate, or a send whose worker died): come back when its lease
        # ends; a dead holder's claim is then taken over, a live one has finished.
        wait = (busy.until - datetime.now(UTC)).total_seconds()
        raise self.retry(countdown=max(1, math.ceil(wait) + 1)) from None


@shared_task(name=SEND_CHECKIN_REMINDER.name, bind=True, dont_autoretry_for=(ValidationError,))
def send_checkin_reminder(self, **payload) -> str:
    """Push (or email) one check-in reminder."""
    asked = CheckInReminderPayload().load(payload)
    return checkin.deliver(
        self.app, self.runtime.settings, self.runtime.push_sender, asked["user_id"], asked["day"]
    )
