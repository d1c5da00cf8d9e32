"""Browser sign-in: the device token lives in an HttpOnly, SameSite=Strict cookie that page JavaScript never
sees, and every write riding on that cookie must prove it comes from our own pages (CSRF).

Mobile apps keep sending `Authorization: Bearer`; a bearer token is never ambient, so it needs no CSRF check.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, request

from shared.settings import Settings
from shared.web.problems import DomainError

# `__Host-` pins the cookie to this origin (Secure, Path=/, no Domain); browsers only accept it over HTTPS.
SECURE_COOKIE = "__Host-tyh_device"
PLAIN_COOKIE = "tyh_device"
# The app sends this header on every call; a cross-site page cannot, without a CORS preflight we never grant.
CSRF_HEADER = "X-Requested-With"
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest browsers keep a cookie; revoking the device ends it sooner
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CrossSiteRequest(DomainError):
    status = 403
    title = "Request refused"
    type_slug = "cross-site-request"
    detail = (
        f"Changes signed in with a browser cookie must come from this site's own pages (same Origin, with "
        f"the {CSRF_HEADER} header). Apps should send 'Authorization: Bearer' instead."
    )


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE if settings.is_production else PLAIN_COOKIE


def cookie_token(settings: Settings) -> str | None:
    return request.cookies.get(cookie_name(settings)) or None


def set_device_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        cookie_name(settings),
        token,
        max_age=COOKIE_MAX_AGE_S,
        path="/",
        secure=settings.is_production,
        httponly=True,
        samesite="Strict",
    )


def clear_device_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        cookie_name(settings), path="/", secure=settings.is_production, httponly=True, samesite="Strict"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def require_same_origin(settings: Settings) -> None:
    """Refuse a state-changing request unless its Origin is this site and it carries the app's header.
    The Origin may be the one the request was addressed to or the configured public app URL (a proxy
    in front may rewrite the Host)."""
    if request.method in SAFE_METHODS:
        return
    origin = (request.headers.get("Origin") or "").lower()
    allowed = {_origin(request.host_url), _origin(settings.app_base_url)}
    if origin not in allowed or not request.headers.get(CSRF_HEADER):
        raise CrossSiteRequest()
