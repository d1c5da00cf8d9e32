"""Doctor reports for their owner (ask, check, download, share) and the public pages a share link opens."""

from __future__ import annotations

from flask import Flask

from services.ingestion.reports import repository
from services.ingestion.reports.api import blp
from services.ingestion.reports.pages import pages
from shared.web.service import ProblemApi, ensure_indexes


def init_app(app: Flask, api: ProblemApi) -> None:
    """Register the API, the public share pages (kept out of the API document) and the indexes."""
    api.register_blueprint(blp)
    app.register_blueprint(pages)
    ensure_indexes(app, repository.ensure_indexes)
