"""Celery task for dose reminders: send one (the workers' scan asks for it by the record's id)."""

from __future__ import annotations

from celery import shared_task
from marshmallow import ValidationError

from services.notification.push import service
from shared.tasks import SEND_DOSE_REMINDER, DoseReminderPayload


@shared_task(name=SEND_DOSE_REMINDER.name, bind=True, dont_autoretry_for=(ValidationError,))
def send_dose_reminder(self, **payload) -> str | None:
    """Push (or email) one dose reminder exactly once."""
    rid = DoseReminderPayload().load(payload)["reminder_id"]
    return service.deliver(self.app, self.app.tyh_settings, self.app.tyh_push, rid, self.request.id)
