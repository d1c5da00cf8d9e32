"""The notification service's app factory."""

from __future__ import annotations

from flask import Flask

from shared.settings import Settings, load_or_exit
from shared.tasks import NOTIFICATION_PIPELINE_PROBE
from shared.web.probe import make_probe_blueprint
from shared.web.service import ProblemApi, create_base_app

SERVICE = "notification"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_or_exit()
    app = create_base_app(__name__, SERVICE, settings)
    app.config["API_TITLE"] = "Track Your Healing notification API"
    api = ProblemApi(app)  # noqa: F841 - later features register their blueprints on it
    app.register_blueprint(make_probe_blueprint(NOTIFICATION_PIPELINE_PROBE))
    return app
