"""Content-type checks for JSON endpoints: a wrong type is 415, before any parsing."""

from __future__ import annotations

from functools import wraps

from flask import request
from werkzeug.exceptions import UnsupportedMediaType


def sends_json() -> bool:
    """The request says its body is application/json (or a +json type)."""
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or mimetype.endswith("+json")


def require_json(view):
    """Refuse bodies that are not application/json (or a +json type) with 415 problem+json."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not sends_json():
            raise UnsupportedMediaType("Send the body as JSON with 'Content-Type: application/json'.")
        return view(*args, **kwargs)

    return wrapper
