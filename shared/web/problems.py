"""RFC 9457 problem+json for every error a Flask service returns."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import redis
from flask import Flask, Response, request
from flask_smorest import Blueprint
from kombu.exceptions import OperationalError as BrokerError
from marshmallow import INCLUDE, Schema, ValidationError, fields
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

from shared.languages import english as _
from shared.web.problem_language import localized
from shared.web.request_context import route_of

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://trackyourhealing.org/problems/"
RETRY_AFTER_S = 5
SOME_FIELDS = _("Some fields are not valid; see invalid_params.")

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule refused the request; subclasses set status, title and detail."""

    status = 400
    title = "Bad request"
    detail = "The request could not be processed."
    type_slug: str | None = None
    headers: dict[str, str] | None = None

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.detail)
        if detail:
            self.detail = detail
        self.extensions = extensions


UNREACHABLE = _("{dependency} cannot be reached right now. Nothing was changed; please try again shortly.")


class DependencyUnavailable(DomainError):
    status = 503
    title = "Service temporarily unavailable"
    type_slug = "dependency-unavailable"

    def __init__(self, dependency: str) -> None:
        super().__init__(
            UNREACHABLE.format(dependency=dependency),
            dependency=dependency,
        )
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


def problem(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    type_slug: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """Build a problem+json response; `type` is about:blank unless the problem has its own page. Its words
    are in the client's language (shared/web/problem_language.py)."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + type_slug if type_slug else "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.path if request else None
    body.update(extensions)
    response = Response(json.dumps(localized(body)), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def invalid_params(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Flatten marshmallow's nested error dict into RFC 9457 `invalid_params` entries."""
    out: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.extend(invalid_params(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.extend({"name": prefix or "body", "reason": m} for m in messages)
    elif isinstance(messages, list):
        for item in messages:
            out.extend(invalid_params(item, prefix))
    else:
        out.append({"name": prefix or "body", "reason": str(messages)})
    return out


class InvalidParamSchema(Schema):
    name = fields.String(required=True, metadata={"description": "the field, dotted for nested ones"})
    reason = fields.String(required=True)


class ProblemSchema(Schema):
    """The body of every error (RFC 9457), as published in the OpenAPI documents."""

    class Meta:
        unknown = INCLUDE  # problems may carry extension members, e.g. event_id or retry_after

    type = fields.String(required=True, metadata={"description": "about:blank, or a page about the problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(metadata={"description": "what happened and what to do next"})
    instance = fields.String(allow_none=True)
    invalid_params = fields.List(fields.Nested(InvalidParamSchema))


def problem_responses(*statuses: int):
    """Decorator listing the problem+json answers a view gives, in the OpenAPI document (the behaviour
    stays in the code that raises them)."""
    return Blueprint.doc(responses={str(status): HTTPStatus(status).name for status in statuses})


def from_http_exception(error: HTTPException) -> Response:
    """Turn werkzeug/webargs/smorest HTTP errors into problem+json, keeping validation messages."""
    status = error.code or 500
    extensions: dict[str, Any] = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs nests messages by location ("json", "query"); the field names are what clients need.
        flat = {k: v for loc in messages.values() for k, v in (loc.items() if isinstance(loc, dict) else [])}
        extensions["invalid_params"] = invalid_params(flat or messages)
    detail = data.get("message") if isinstance(data, dict) else None
    if not detail and status == 422 and extensions:
        detail = SOME_FIELDS
    elif not detail:
        detail = error.description if status < 500 else None
    headers = {}
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return problem(status, detail=detail, headers=headers, **extensions)


def from_domain_error(error: DomainError) -> Response:
    return problem(
        error.status, error.title, error.detail, error.type_slug, error.headers, **error.extensions
    )


def from_validation_error(error: ValidationError) -> Response:
    """A rule checked after parsing (e.g. an opaque cursor) failed: 422 naming the field."""
    return problem(
        422,
        detail=SOME_FIELDS,
        invalid_params=invalid_params(error.messages),
    )


def register_error_handlers(app: Flask) -> None:
    """Every error leaves the app as problem+json, including 404, 405 and 500."""
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(ValidationError, from_validation_error)
    app.register_error_handler(DomainError, from_domain_error)
    app.register_error_handler(
        ConnectionFailure, lambda _e: from_domain_error(DependencyUnavailable("MongoDB"))
    )
    for redis_error in (redis.ConnectionError, redis.TimeoutError, BrokerError):
        app.register_error_handler(redis_error, lambda _e: from_domain_error(DependencyUnavailable("Redis")))
    app.register_error_handler(Exception, _unexpected)


def _unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return from_http_exception(error)
    log.exception("unhandled error", extra={"route": route_of(request), "method": request.method})
    return problem(
        500, detail=_("Something went wrong on our side. It has been logged; please try again later.")
    )
