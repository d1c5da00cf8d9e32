"""The web app (services/web, built to dist/) on the API's origin at /app/: the same shell for every screen,
long-cached hashed assets, and the one Content-Security-Policy the app runs under.

Same origin means the device cookie can be SameSite=Strict and the API needs no CORS. Nothing is imported
from services/web: this serves the files its build wrote."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory
from werkzeug.exceptions import NotFound

from shared.web.pages import message_page
from shared.web.service import settings_of

bp = Blueprint("webapp", __name__)

PREFIX = "/app/"
SHELL = "index.html"
# Vite names everything under assets/ by content hash: a file there never changes, so it may be kept a year.
HASHED_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
# The shell, the service worker and the manifest must be checked on every start so an update reaches people.
REVALIDATE = "no-cache"

# No inline script or style, no other origin: everything the app loads is a file from this directory.
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def _dist() -> Path:
    return Path(settings_of().web_dist_dir)


def _serve(path: str) -> Response:
    dist = _dist()
    if not (dist / SHELL).is_file():
        return message_page(
            "The app is not built yet",
            "Run `make setup` (it builds services/web), then reload this page.",
            status=503,
        )
    try:
        response = send_from_directory(dist, path, max_age=0)
    except NotFound:
        if path.startswith(f"{HASHED_DIR}/"):
            raise  # an old asset the build no longer has: never answer a script with the shell
        # Any other /app/... path is a screen of the app: the shell routes it.
        path = SHELL
        response = send_from_directory(dist, SHELL, max_age=0)
    response.headers["Cache-Control"] = IMMUTABLE if path.startswith(f"{HASHED_DIR}/") else REVALIDATE
    response.headers.update(HEADERS)
    return response


@bp.get("/app")
def app_root():
    return current_app.redirect(PREFIX, 308)


@bp.get(PREFIX, defaults={"path": SHELL})
@bp.get(f"{PREFIX}<path:path>")
def app_file(path: str):
    """A file of the built app, or the shell for a screen's path."""
    return _serve(path)
