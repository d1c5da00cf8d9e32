"""Content-type checks for JSON endpoints: a wrong type is 415, before any parsing."""

from __future__ import annotations

from functools import wraps

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

from shared.languages import english as _


def sends_json() -> bool:
    """The request says its body is application/json (or a +json type)."""
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def sends_body() -> bool:
    """The request carries a body (a length above zero, or chunks)."""
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return bool(request.content_length) or chunked


def require_json(view):
    """Refuse bodies that are not application/json (or a +json type) with 415 problem+json, whatever their
    type or none said. A request without a body has nothing to misread: its schema says what is missing."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if sends_body() and not sends_json():
            raise UnsupportedMediaType(_("Send the body as JSON with 'Content-Type: application/json'."))
        return view(*args, **kwargs)

    return wrapper
