"""Celery task for doctor reports: build one, then hand it to delivery when the person asked for emails."""

from __future__ import annotations

from celery import shared_task

from services.workers.reports import delivery, service
from shared.tasks import BUILD_REPORT


@shared_task(
    name=BUILD_REPORT.name,
    bind=True,
    autoretry_for=(service.AttemptFailed,),
    retry_backoff=True,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=service.MAX_ATTEMPTS,  # the report's own attempt count decides; this is a backstop
)
def build_report(self, report_id: str) -> str:
    """Build the report's HTML and PDF into GridFS; once ready, request the emails it asks for."""
    report = service.build(report_id, self.runtime.settings, task_id=self.request.id)
    if report is None:
        return "not ready"
    if report.get("deliver"):
        # Also on a repeat: delivery is idempotent, and a crash after "ready" must not lose the emails.
        delivery.deliver(self.app, report)
    return report["status"]
