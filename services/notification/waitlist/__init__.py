"""The public waitlist: sign-up with double opt-in, place in line, referrals, leaving."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from services.notification.waitlist import api as waitlist_api
from services.notification.waitlist import pages, retired_read_model


def init_app(app: Flask, api: Api) -> None:
    """Register the waitlist's JSON API and pages (its indexes are ensured by the app factory), and delete
    the copy of the list a former version kept in Redis."""
    api.register_blueprint(waitlist_api.blp)
    app.register_blueprint(pages.bp)
    retired_read_model.forget()
