"""The parts every HTTP service is built from, so each `create_app` reads like a table of contents."""

from __future__ import annotations

import logging
import time
from datetime import date, datetime
from http import HTTPStatus
from pathlib import Path

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask_smorest import Api
from pymongo.errors import ConnectionFailure
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.runtime import EXTENSION, Runtime
from shared.web import json_body
from shared.web.headers import init_security_headers
from shared.web.health import health
from shared.web.openapi import RulesPlugin, spec_options
from shared.web.pages import init_page_languages, pages_bp
from shared.web.problem_language import init_problem_languages
from shared.web.problems import PROBLEM_JSON, ProblemSchema, from_http_exception, register_error_handlers
from shared.web.request_context import init_request_context

log = logging.getLogger(__name__)


class IsoJSONProvider(DefaultJSONProvider):
    """Dates and times as ISO 8601 everywhere (Flask's default is the HTTP date format). Response bodies are
    encoded by orjson, compact with sorted keys as Flask writes them: a year of summaries (~390 KB) took
    ~9 ms with the standard library's encoder, a fifth of that request's time (docs/benchmarks.md)."""

    # Dates and times still go through `default`, so they read exactly as before.
    ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    @staticmethod
    def default(o):
        if isinstance(o, date | datetime):
            return o.isoformat()
        return DefaultJSONProvider.default(o)

    def response(self, *args, **kwargs):
        if self._app.debug:
            return super().response(*args, **kwargs)  # indented, for reading
        body = orjson.dumps(self._prepare_response_obj(args, kwargs), self.default, self.ORJSON_OPTIONS)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        """Request bodies (and session cookies) through the one strict parser (shared/web/json_body)."""
        return json_body.loads(s)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus the work Flask does on every request for API calls that never
    use one: a request without cookies gets its empty session without a signer being built or the cookie
    header parsed, and an untouched empty session is not looked at again on the way out."""

    def open_session(self, app, request):
        if app.secret_key and "HTTP_COOKIE" not in request.environ:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified and not session.accessed:
            return  # nothing to set, delete or vary on
        super().save_session(app, session, response)


class ProblemApi(Api):
    """flask-smorest, with its error bodies replaced by RFC 9457 problem+json, rules stated on schemas
    (shared.web.openapi) and the document's licence, contact and server."""

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask, *, server_url: str, description: str) -> None:
        app.config["API_SPEC_OPTIONS"] = spec_options(server_url, description)
        super().__init__(app, spec_kwargs={"marshmallow_plugin": RulesPlugin()})

    def handle_http_exception(self, error):
        return from_http_exception(error)

    def _register_pagination_header(self):
        """Not published: lists page by opaque cursor, never by flask-smorest's page numbers."""

    def _register_responses(self):
        """Name a response per status (`NOT_FOUND`, ...) for views to reference, errors as problem+json;
        flask-smorest's own version documents its JSON error shape instead."""
        error = {"content": {PROBLEM_JSON: {"schema": ProblemSchema}}}
        retry_after = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
        for status in HTTPStatus:
            body = error if status >= 400 else {}
            if status in (429, 503):
                body = {**error, "headers": retry_after}
            self.spec.components.response(status.name, {"description": status.phrase, **body}, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME, {"description": "An error, as problem+json", **error}, lazy=True
        )


def create_base_app(import_name: str, runtime: Runtime, translations: Path | None = None) -> Flask:
    """A Flask app on the process's runtime (read back as `shared.runtime.runtime_of()`), with request ids,
    health checks, problem+json errors in the client's language, and pages in English or, where a view asks,
    in a language the service's `translations` directory has a catalog for."""
    settings = runtime.settings
    app = Flask(import_name)
    app.json = IsoJSONProvider(app)
    app.session_interface = CookieSessions()
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    if settings.trusted_proxy_count > 0:
        # Only then is X-Forwarded-For believed; otherwise any client could pick its own rate-limit key.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_count, x_proto=1)
    app.extensions[EXTENSION] = runtime
    init_request_context(app)
    init_security_headers(app, settings)
    app.register_blueprint(health)
    app.register_blueprint(pages_bp)
    init_page_languages(app, translations)
    init_problem_languages(app, translations)
    register_error_handlers(app)
    return app


INDEX_RETRY_S = 10


def ensure_indexes(app: Flask, *ensure_fns) -> None:
    """Create the service's indexes now, or, if MongoDB is down at start, on a later request once it is
    back: a database outage must never stop a service from starting."""
    state = {"done": False, "next_try": 0.0}

    def attempt() -> None:
        try:
            for ensure in ensure_fns:
                ensure()
        except ConnectionFailure as exc:
            log.warning("indexes not ensured yet; MongoDB unreachable", extra={"reason": str(exc)[:200]})
            state["next_try"] = time.monotonic() + INDEX_RETRY_S
        else:
            state["done"] = True

    attempt()
    if state["done"]:
        return  # the usual start: no retry hook to run on every request

    @app.before_request
    def _retry_indexes() -> None:
        if not state["done"] and time.monotonic() >= state["next_try"]:
            attempt()
