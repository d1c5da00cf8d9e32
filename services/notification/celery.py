"""The notification service's Celery app: consumes the email queue."""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery

from services.notification.email.sender import SmtpSender
from services.notification.push.sender import WebPushSender
from shared.runtime import Runtime
from shared.tasks import NOTIFICATION_QUEUES

SERVICE = "notification"
QUEUES = NOTIFICATION_QUEUES

TASK_PACKAGES = [
    "services.notification.probes",
    "services.notification.email",
    "services.notification.waitlist",
    "services.notification.push",
]


@dataclass(frozen=True)
class NotifierRuntime(Runtime):
    """The notifier's runtime: the process's, plus the senders its tasks read as `self.runtime`."""

    email_sender: SmtpSender
    push_sender: WebPushSender


def with_senders(runtime: Runtime) -> NotifierRuntime:
    """`runtime` with the notifier's senders. Each connects on its first send, so each pool process
    (forked after this) gets a connection of its own."""
    settings = runtime.settings
    return NotifierRuntime(
        runtime.service, runtime.settings, runtime.celery, SmtpSender(settings), WebPushSender(settings)
    )


def create_worker_app(runtime: Runtime) -> Celery:
    """The runtime's Celery app, with the senders and the notifier's tasks."""
    app = with_senders(runtime).celery
    app.autodiscover_tasks(TASK_PACKAGES, related_name="tasks", force=True)
    return app
