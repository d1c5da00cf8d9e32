"""The notification service's Celery app: consumes the email queue."""

from __future__ import annotations

from celery import Celery

from services.notification.email.sender import SmtpSender
from services.notification.push.sender import WebPushSender
from shared.celery_app import create_celery
from shared.settings import Settings
from shared.tasks import NOTIFICATION_QUEUES

TASK_PACKAGES = [
    "services.notification.probes",
    "services.notification.email",
    "services.notification.waitlist",
    "services.notification.push",
]


def create_worker_app(settings: Settings) -> Celery:
    app = create_celery("notification", settings, NOTIFICATION_QUEUES)
    # Connects on its first send, so each pool process (forked after this) gets a connection of its own.
    app.tyh_sender = SmtpSender(settings)
    app.tyh_push = WebPushSender(settings)
    app.autodiscover_tasks(TASK_PACKAGES, related_name="tasks", force=True)
    return app
