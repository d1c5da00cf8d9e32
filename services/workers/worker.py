"""Celery entry point of both worker processes: `celery -A services.workers.worker worker -Q <queues>`."""

from services.workers.celery import create_worker_app
from shared.settings import load_or_exit

app = create_worker_app(load_or_exit())
