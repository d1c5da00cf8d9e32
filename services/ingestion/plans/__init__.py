"""Taper plans for their owner: versions, the schedule that follows, and questions for the prescriber."""

from __future__ import annotations

from flask import Flask

from services.ingestion.plans.api import blp
from shared.plans import store
from shared.web.service import ProblemApi, ensure_indexes


def init_app(app: Flask, api: ProblemApi) -> None:
    """Register the API and the plans collection's indexes."""
    api.register_blueprint(blp)
    ensure_indexes(app, store.ensure_indexes)
