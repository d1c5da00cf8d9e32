"""Web Push subscriptions for reminders: the application-server key, and each browser's
subscription added or removed by its owner."""

from __future__ import annotations

from flask import Flask

from services.ingestion.push.api import blp
from shared import push_subscriptions
from shared.web.service import ProblemApi, ensure_indexes


def init_app(app: Flask, api: ProblemApi) -> None:
    """Register the API and the subscriptions' index."""
    api.register_blueprint(blp)
    ensure_indexes(app, push_subscriptions.ensure_indexes)
