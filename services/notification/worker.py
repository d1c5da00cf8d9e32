"""Celery entry point: `celery -A services.notification.worker worker -Q email`."""

from services.notification.celery import QUEUES, SERVICE, create_worker_app
from shared.runtime import start

app = create_worker_app(start(SERVICE, QUEUES))
