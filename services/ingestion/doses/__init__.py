"""Confirming a planned dose as taken or skipped with its token: from the app, a push notification, or the
page an email link opens."""

from __future__ import annotations

from flask import Flask

from services.ingestion.doses.api import blp
from services.ingestion.doses.pages import bp
from shared.web.service import ProblemApi


def init_app(app: Flask, api: ProblemApi) -> None:
    """Register the API and the email link's page."""
    api.register_blueprint(blp)
    app.register_blueprint(bp)
