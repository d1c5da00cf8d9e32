"""Bearer device tokens on every API call: the signed-in person is `current_user()`."""

from __future__ import annotations

from functools import wraps

from flask import g
from flask_smorest import Blueprint

from services.ingestion.accounts import service
from shared.web.auth import bearer_token

SECURITY_SCHEME = "device_token"


def login_required(view):
    """Authenticate the bearer device token; the OpenAPI document says so, with its 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user, g.device = service.authenticate(bearer_token())
        return view(*args, **kwargs)

    return Blueprint.doc(security=[{SECURITY_SCHEME: []}], responses={"401": "UNAUTHORIZED"})(wrapper)


def current_user() -> dict:
    return g.user
