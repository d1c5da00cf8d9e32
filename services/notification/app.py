"""The notification service's app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.notification import admin, waitlist
from services.notification.email import repository as email_repository
from services.notification.email import service as email_service
from services.notification.email.api import PROVIDER_SCHEME
from services.notification.email.api import blp as email_blp
from services.notification.email.pages import bp as email_pages_bp
from services.notification.waitlist import repository as waitlist_repository
from shared import dose_reminders, outbox
from shared.runtime import Runtime
from shared.tasks import NOTIFICATION_PIPELINE_PROBE
from shared.web.probe import make_probe_blueprint
from shared.web.service import ProblemApi, create_base_app, ensure_indexes

SERVICE = "notification"
# The waitlist's pages in the entry's language, from the catalog the emails are translated with; the public
# API's problems and sign-up answer in the client's, from problems.po beside it.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
API_DESCRIPTION = (
    "The waitlist sign-up and the email provider's bounce and complaint hook. Errors are RFC 9457 "
    "problem+json; see docs/api.md."
)


def create_app(runtime: Runtime) -> Flask:
    settings = runtime.settings
    app = create_base_app(__name__, runtime, TRANSLATIONS)
    app.config["API_TITLE"] = "Track Your Healing notification API"
    api = ProblemApi(app, server_url=settings.public_base_url, description=API_DESCRIPTION)
    api.spec.components.security_scheme(
        PROVIDER_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "the email provider's webhook secret"},
    )
    # Opt-outs stored before the settings held them move there once MongoDB is reachable, as indexes do;
    # so do the first count of a waitlist stored before its counters existed and the source keys its
    # entries lacked.
    ensure_indexes(
        app,
        outbox.ensure_indexes,
        email_repository.ensure_indexes,
        waitlist_repository.ensure_indexes,
        waitlist_repository.ensure_counts,
        waitlist_repository.ensure_source_keys,
        email_service.adopt_account_opt_outs,
        dose_reminders.ensure_indexes,
    )
    api.register_blueprint(email_blp)
    app.register_blueprint(email_pages_bp)
    waitlist.init_app(app, api)
    admin.init_app(app)
    app.register_blueprint(make_probe_blueprint(NOTIFICATION_PIPELINE_PROBE))
    return app
