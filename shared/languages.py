"""The languages the platform speaks: the app's (services/web/src/i18n). A person chooses one in the app's
Settings; the account keeps it and the emails a person receives follow it."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "es")
DEFAULT = "en"
UNKNOWN = f"Use one of the app's languages: {', '.join(LANGUAGES)}."


def of(user: dict[str, Any] | None) -> str:
    """A person's language; an account made before it could be chosen speaks the default."""
    return (user or {}).get("language") or DEFAULT


def from_tag(tag: str) -> str | None:
    """The language a tag names ("es", "es-MX", "ES_es"), where the platform speaks it; else None."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None
