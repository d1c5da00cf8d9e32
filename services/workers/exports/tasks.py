"""Celery tasks for exports: build one archive, and purge expired ones (beat, hourly)."""

from __future__ import annotations

from celery import shared_task

from services.workers.exports import service
from shared.tasks import BUILD_EXPORT, PURGE_EXPORTS


@shared_task(name=BUILD_EXPORT.name, bind=True)
def build_export(self, export_id: str) -> str:
    """Build the person's export zip into GridFS and mark it ready for download."""
    return service.build(export_id, self.request.id, self.runtime.settings)


@shared_task(name=PURGE_EXPORTS.name, bind=True)
def purge_expired(self) -> int:
    """Delete exports (and their files) older than 7 days; FerretDB has no TTL indexes."""
    return service.purge()
