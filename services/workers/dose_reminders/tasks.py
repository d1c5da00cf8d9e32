"""Celery task for dose reminders: the scan beat sends every minute."""

from __future__ import annotations

from celery import shared_task

from services.workers.dose_reminders import service
from shared.tasks import SCAN_DOSE_REMINDERS


@shared_task(name=SCAN_DOSE_REMINDERS.name, bind=True)
def scan_dose_reminders(self) -> dict[str, int]:
    """Create the dose reminders that are due (each exactly once) and re-send stuck ones."""
    return service.scan(self.app, self.runtime.settings)
