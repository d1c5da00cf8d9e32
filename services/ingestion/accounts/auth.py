"""Bearer device tokens on every API call: the signed-in person is `current_user()`."""

from __future__ import annotations

from functools import wraps

from flask import g

from services.ingestion.accounts import service
from shared.web.auth import bearer_token


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user, g.device = service.authenticate(bearer_token())
        return view(*args, **kwargs)

    return wrapper


def current_user() -> dict:
    return g.user
