"""The web app (services/web, built to dist/) on the API's origin at /app/: the same shell for every screen,
long-cached hashed assets, and what the app's Content-Security-Policy allows beyond every page's.

Same origin means the device cookie can be SameSite=Strict and the API needs no CORS. Nothing is imported
from services/web: this serves the files its build wrote."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request, send_from_directory
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from shared.runtime import runtime_of
from shared.web.headers import extend_policy, policy_for
from shared.web.pages import message_page

bp = Blueprint("webapp", __name__)

PREFIX = "/app/"
SHELL = "index.html"
# Vite names everything under assets/ by content hash: a file there never changes, so it may be kept a year.
HASHED_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
# The shell, the service worker and the manifest must be checked on every start so an update reaches people.
REVALIDATE = "no-cache"
# The compressed copies the build writes beside each text file (services/web/vite.config.ts), best first.
ENCODINGS = {"br": ".br", "gzip": ".gz"}

# What the app needs beyond shared.web.headers' page policy (which keeps default-src 'none', no inline style,
# base-uri 'none', forms to this origin, frame-ancestors 'none'): its own scripts, API calls, service worker,
# manifest, fonts and chart images (blob:). Nothing inline, nothing from another origin.
APP_SOURCES = {
    "script_src": ("'self'",),
    "img_src": ("'self'", "blob:"),
    "font_src": ("'self'",),
    "connect_src": ("'self'",),
    "manifest_src": ("'self'",),
    "worker_src": ("'self'",),
}
HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def init_app(app: Flask) -> None:
    """Serve the app at /app/ under its Content-Security-Policy (one mechanism for every page's policy)."""
    extend_policy(app, PREFIX, **APP_SOURCES)
    app.register_blueprint(bp)


def _dist() -> Path:
    # Absolute: Flask's send_from_directory reads a relative directory from the app's package, not from
    # where the process starts (where the setting says relative paths start).
    return Path(runtime_of().settings.web_dist_dir).resolve()


def _serve(path: str) -> Response:
    dist = _dist()
    if not (dist / SHELL).is_file():
        return message_page(
            "The app is not built yet",
            "Run `make setup` (it builds services/web), then reload this page.",
            status=503,
        )
    try:
        response = _send(dist, path)
    except NotFound:
        if path.startswith(f"{HASHED_DIR}/"):
            raise  # an old asset the build no longer has: never answer a script with the shell
        # Any other /app/... path is a screen of the app: the shell routes it.
        path = SHELL
        response = _send(dist, SHELL)
    response.headers["Cache-Control"] = IMMUTABLE if path.startswith(f"{HASHED_DIR}/") else REVALIDATE
    response.headers.update(HEADERS)
    # Every file, not only the HTML shell: the service worker runs under the policy sent with its script.
    response.headers["Content-Security-Policy"] = policy_for(current_app, PREFIX)
    return response


def _send(dist: Path, path: str) -> Response:
    """The file, as its compressed copy when the browser takes that encoding and the build wrote one."""
    for coding, suffix in ENCODINGS.items():
        copy = safe_join(str(dist), path + suffix)
        if request.accept_encodings[coding] and copy and Path(copy).is_file():
            named = {"mimetype": mimetypes.guess_type(path)[0], "download_name": Path(path).name}
            response = send_from_directory(dist, path + suffix, max_age=0, **named)
            response.headers["Content-Encoding"] = coding
            break
    else:
        response = send_from_directory(dist, path, max_age=0)
    response.vary.add("Accept-Encoding")
    return response


@bp.get("/app")
def app_root():
    return current_app.redirect(PREFIX, 308)


@bp.get(PREFIX, defaults={"path": SHELL})
@bp.get(f"{PREFIX}<path:path>")
def app_file(path: str):
    """A file of the built app, or the shell for a screen's path."""
    return _serve(path)
