"""Celery entry point: `celery -A services.notification.worker worker -Q email`."""

from services.notification.celery import create_worker_app
from shared.settings import load_or_exit

app = create_worker_app(load_or_exit())
