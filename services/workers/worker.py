"""Celery entry point of both worker processes: `celery -A services.workers.worker worker -Q <queues>`."""

from services.workers.celery import QUEUES, SERVICE, create_worker_app
from shared.runtime import start

app = create_worker_app(start(SERVICE, QUEUES))
