"""Celery task for dose reminders: send one (the workers' scan asks for it by the record's id)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from celery import shared_task
from marshmallow import ValidationError

from services.notification.push import service
from shared.tasks import SEND_DOSE_REMINDER, DoseReminderPayload


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
