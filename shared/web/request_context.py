"""Request ids and one JSON access-log line per request.

The line records the route pattern (`/waitlist/confirm/<token>`), never the path: paths carry share,
invitation, waitlist and unsubscribe tokens. A path that matches no route is logged as UNMATCHED.
"""

from __future__ import annotations

import logging
import re
import time

from flask import Flask, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from shared import metrics
from shared.logs import new_request_id, request_id_var
from shared.runtime import runtime_of

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_log = logging.getLogger("access")
UNMATCHED = "(no route)"
QUIET_ROUTES = ("/healthz", "/readyz")


def route_of(req) -> str:
    """What a log line may say about where a request went: its route pattern."""
    return req.url_rule.rule if req.url_rule is not None else UNMATCHED


def init_request_context(app: Flask) -> None:
    """Take the caller's request id when it is well formed, else mint one; echo it back."""
    service = runtime_of(app).service

    @app.before_request
    def _start() -> None:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()  # refuse before authenticating or reading the body
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID.match(incoming) else new_request_id()
        g.request_id, g.request_id_token = request_id, request_id_var.set(request_id)
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        response.headers[HEADER] = g.get("request_id", "")
        route = route_of(request)
        seconds = time.perf_counter() - g.get("started", time.perf_counter())
        metrics.observe_request(service, request.method, route, response.status_code, seconds)
        if route not in QUIET_ROUTES:
            access_log.info(
                "request",
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
        return response

    @app.teardown_request
    def _reset(_exc) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
