"""Apps built as each process's entry point builds them (shared.runtime), from a test's own settings: `build`
without `start`, so the test runner keeps its logging."""

from __future__ import annotations

from celery import Celery
from flask import Flask

from shared.runtime import build
from shared.settings import Settings


def ingestion_app(settings: Settings) -> Flask:
    from services.ingestion.app import SERVICE, create_app

    return create_app(build(SERVICE, settings))


def notification_app(settings: Settings) -> Flask:
    from services.notification.app import SERVICE, create_app

    return create_app(build(SERVICE, settings))


def workers_app(settings: Settings) -> Celery:
    from services.workers.celery import QUEUES, SERVICE, create_worker_app

    return create_worker_app(build(SERVICE, settings, QUEUES))


def notifier_app(settings: Settings) -> Celery:
    from services.notification.celery import QUEUES, SERVICE, create_worker_app

    return create_worker_app(build(SERVICE, settings, QUEUES))


def celery_for(name: str, settings: Settings, queues: tuple[str, ...] = ()) -> Celery:
    """A Celery app that sends (or, given queues, consumes) as a process named `name` would."""
    return build(name, settings, queues).celery
