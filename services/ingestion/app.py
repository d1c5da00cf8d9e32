"""The ingestion service's app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_compress import Compress

from services.ingestion import doses, plans, push, reports, webapp
from services.ingestion.accounts import browser
from services.ingestion.accounts import repository as accounts_repository
from services.ingestion.accounts.api import blp as accounts_blp
from services.ingestion.accounts.auth import COOKIE_SCHEME, SECURITY_SCHEME
from services.ingestion.accounts.cli import accounts_cli
from services.ingestion.accounts.pages import bp as account_pages_bp
from services.ingestion.catalog.api import blp as catalog_blp
from services.ingestion.events.api import blp as events_blp
from services.ingestion.privacy.api import blp as privacy_blp
from services.ingestion.summaries.api import blp as summaries_blp
from shared import events as events_repository
from shared import invitations, recompute, sign_in
from shared.export import store as export_store
from shared.runtime import Runtime
from shared.tasks import WORKERS_PIPELINE_PROBE
from shared.web.probe import make_probe_blueprint
from shared.web.service import ProblemApi, create_base_app, ensure_indexes

SERVICE = "ingestion"
# The pages a person reaches from an email (a dose link) in their language: shared/web/pages.py.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
API_DESCRIPTION = (
    "What web and mobile apps call: sign-in, events, summaries, taper plans, doctor reports, export and "
    "erasure. "
    "Errors are RFC 9457 problem+json. How to generate a client, and which calls are safe to retry: "
    "docs/api.md."
)


def create_app(runtime: Runtime) -> Flask:
    settings = runtime.settings
    app = create_base_app(__name__, runtime, TRANSLATIONS)
    # JSON answers of 500 bytes or more, compressed on the fly for clients that accept it: a year of summaries
    # is ~380 KB, ~30 KB so, on a phone's connection. Low levels: higher ones save a few KB more for about 4x
    # the CPU (docs/benchmarks.md, "Compressed answers"). The web app's files have their own copies
    # (webapp.py). No other site can make the app echo its text beside a secret: the device cookie is
    # SameSite=Strict.
    app.config.update(
        COMPRESS_MIMETYPES=["application/json"],
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_BR_LEVEL=2,
        COMPRESS_LEVEL=1,
    )
    Compress(app)
    app.config["API_TITLE"] = "Track Your Healing ingestion API"
    api = ProblemApi(app, server_url=settings.app_base_url, description=API_DESCRIPTION)
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {"type": "http", "scheme": "bearer", "description": "a device token from POST /v1/auth/token"},
    )
    api.spec.components.security_scheme(
        COOKIE_SCHEME,
        {
            "type": "apiKey",
            "in": "cookie",
            "name": browser.cookie_name(settings),
            "description": "the web app's device cookie from POST /v1/auth/session (writes: same origin)",
        },
    )
    ensure_indexes(
        app,
        accounts_repository.ensure_indexes,
        sign_in.ensure_indexes,
        events_repository.ensure_indexes,
        invitations.ensure_indexes,
        recompute.ensure_indexes,
        export_store.ensure_indexes,
    )
    api.register_blueprint(accounts_blp)
    api.register_blueprint(events_blp)
    api.register_blueprint(privacy_blp)
    api.register_blueprint(summaries_blp)
    api.register_blueprint(catalog_blp)
    reports.init_app(app, api)
    plans.init_app(app, api)
    doses.init_app(app, api)
    push.init_app(app, api)
    app.register_blueprint(account_pages_bp)
    webapp.init_app(app)
    app.register_blueprint(make_probe_blueprint(WORKERS_PIPELINE_PROBE))
    app.cli.add_command(accounts_cli)
    return app
