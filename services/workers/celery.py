"""The workers' Celery app, for both worker processes: `workers` takes the summaries and periodic queues,
`reports` the reports queue (deploy/Procfile names which)."""

from __future__ import annotations

from celery import Celery

from shared.runtime import Runtime
from shared.tasks import REPORT_QUEUES, WORKER_QUEUES

SERVICE = "workers"
QUEUES = WORKER_QUEUES + REPORT_QUEUES

# A package's tasks.py registers its tasks; a module listed by name (the schedule scan) registers its own.
TASK_PACKAGES = [
    "services.workers.probes",
    "services.workers.exports",
    "services.workers.summaries",
    "services.workers.reports",
    "services.workers.reports.schedule",
    "services.workers.dose_reminders",
    "services.workers.erasure",
]


def create_worker_app(runtime: Runtime) -> Celery:
    """The runtime's Celery app, with the workers' tasks registered."""
    app = runtime.celery
    app.autodiscover_tasks(TASK_PACKAGES, related_name="tasks", force=True)
    return app
