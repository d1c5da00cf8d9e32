"""Links into the web app's screens (served by the ingestion service at /app/), for emails and pages."""

from __future__ import annotations

from urllib.parse import urlencode

from shared.settings import Settings

APP_PATH = "/app/"
TODAY, SIGN_IN = "", "signin"


def app_path(screen: str = TODAY, **query: str) -> str:
    """The screen's path on the app's own origin, e.g. /app/signin?email=..."""
    return APP_PATH + screen + (f"?{urlencode(query)}" if query else "")


def app_link(settings: Settings, screen: str = TODAY, **query: str) -> str:
    """The screen's absolute URL, for emails."""
    return settings.app_base_url.rstrip("/") + app_path(screen, **query)
