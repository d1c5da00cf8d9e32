"""Device tokens on every API call, as a bearer header (apps) or the browser cookie (the web app, with its
CSRF rule): the signed-in person is `current_user()`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial, wraps

from flask import g
from flask_smorest import Blueprint

from services.ingestion.accounts import browser, service
from shared.ratelimit import Limit
from shared.runtime import runtime_of
from shared.web.auth import bearer_token

SECURITY_SCHEME = "device_token"
COOKIE_SCHEME = "device_cookie"
# Either credential signs a call in (OpenAPI: alternatives are separate requirement objects).
SECURITY = [{SECURITY_SCHEME: []}, {COOKIE_SCHEME: []}]


def credential() -> str | None:
    """The bearer token if one was sent; else the browser cookie, whose writes must pass the CSRF rule."""
    token = bearer_token()
    if token is not None:
        return token
    settings = runtime_of().settings
    token = browser.cookie_token(settings)
    if token is not None:
        browser.require_same_origin(settings)
    return token


def login_required(view=None, *, counting: Callable[[], Sequence[Limit]] | None = None):
    """Authenticate the device token; the OpenAPI document says so, with its 401, the cookie's 403 and 503
    (the token is checked against Redis and MongoDB). `counting` (see limits.writes_if) lets a cached sign-in
    count the request's rate limits in its own Redis call; their decision waits in g.counted."""
    if view is None:
        return partial(login_required, counting=counting)

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user, g.device, g.counted = service.authenticate(credential(), counting)
        return view(*args, **kwargs)

    return Blueprint.doc(
        security=SECURITY,
        responses={"401": "UNAUTHORIZED", "403": "FORBIDDEN", "503": "SERVICE_UNAVAILABLE"},
    )(wrapper)


def current_user() -> dict:
    return g.user


def current_device() -> dict:
    return g.device
