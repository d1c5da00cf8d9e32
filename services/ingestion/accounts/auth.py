"""Bearer device tokens on every API call: the signed-in person is `current_user()`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial, wraps

from flask import g
from flask_smorest import Blueprint

from services.ingestion.accounts import service
from shared.ratelimit import Limit
from shared.web.auth import bearer_token

SECURITY_SCHEME = "device_token"


def login_required(view=None, *, counting: Callable[[], Sequence[Limit]] | None = None):
    """Authenticate the bearer device token; the OpenAPI document says so, with its 401 (and 503: the
    token is checked against Redis and MongoDB). `counting` (see
    limits.writes_if) lets a cached sign-in count the request's rate limits in its own Redis call; their
    decision waits in g.counted."""
    if view is None:
        return partial(login_required, counting=counting)

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user, g.device, g.counted = service.authenticate(bearer_token(), counting)
        return view(*args, **kwargs)

    return Blueprint.doc(
        security=[{SECURITY_SCHEME: []}], responses={"401": "UNAUTHORIZED", "503": "SERVICE_UNAVAILABLE"}
    )(wrapper)


def current_user() -> dict:
    return g.user
