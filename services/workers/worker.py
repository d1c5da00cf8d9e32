"""Celery entry point: `celery -A services.workers.worker worker -Q summaries,reports`."""

from services.workers.celery import create_worker_app
from shared.settings import load_or_exit

app = create_worker_app(load_or_exit())
