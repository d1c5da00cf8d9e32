"""The languages the platform speaks: the app's (services/web/src/i18n). A person chooses one in the app's
Settings; the account keeps it and the emails a person receives follow it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

LANGUAGES = ("en", "es")
DEFAULT = "en"


def english(text: str) -> str:
    """Marks English the API may answer with (imported as `_`), for the catalogs' completeness checks; it is
    returned unchanged and translated where the answer is built (shared/web/problem_language.py). A
    parameterised text is marked as its template, `_("... {name} ...").format(name=value)`."""
    return text


UNKNOWN = english("Use one of the app's languages: {languages}.").format(languages=", ".join(LANGUAGES))


def of(user: dict[str, Any] | None) -> str:
    """A person's language; an account made before it could be chosen speaks the default."""
    return (user or {}).get("language") or DEFAULT


def from_tag(tag: str) -> str | None:
    """The language a tag names ("es", "es-MX", "ES_es"), where the platform speaks it; else None."""
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept(accepted: Iterable[tuple[str, float]]) -> str | None:
    """The language a client's Accept-Language (as (tag, quality) pairs) asks for first among ours; else
    None. Best first: werkzeug's own best_match would prefer an exact "en;q=0.5" to "es-MX" at full weight."""
    for tag, quality in sorted(accepted, key=lambda pair: -pair[1]):
        if quality > 0 and (language := from_tag(tag)):
            return language
    return None


def clock(time: str, language: str) -> str:
    """A plan's dose time ("HH:MM") as the language writes it: Spanish reads the hour without a leading zero
    ("de la 1:30", "de las 13:30"); English keeps the 24-hour clock's "01:30"."""
    return time.removeprefix("0") if language == "es" else time
