"""Admin waitlist management: accounts, pages, JSON API, audit log, CLI."""

from __future__ import annotations

from flask import Flask

from services.notification.admin import accounts, api, audit, views
from services.notification.admin.cli import admin_cli
from shared import invitations
from shared.web.service import ensure_indexes


def init_app(app: Flask) -> None:
    """Register the admin pages, API and CLI, and ensure the indexes they rely on."""
    ensure_indexes(
        app,
        accounts.ensure_indexes,
        audit.ensure_indexes,
        invitations.ensure_indexes,
    )
    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    app.cli.add_command(admin_cli)
