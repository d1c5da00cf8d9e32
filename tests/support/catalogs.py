"""What a catalog lacks: the messages pages mark with _() or ngettext(), as Babel's own extraction finds
them, that have no translation (or a fuzzy one) in the catalogs a page reads them from."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "ngettext": (1, 2)}
JINJA = {"extensions": "jinja2.ext.i18n"}


def marked(paths: Iterable[Path]) -> set[str]:
    """Each message marked in these templates (.html) and Python modules, by its msgid."""
    found: set[str] = set()
    for path in paths:
        method, options = ("jinja2", JINJA) if path.suffix == ".html" else ("python", {})
        with path.open("rb") as source:
            for _, message, _, _ in extract(method, source, keywords=KEYWORDS, options=options):
                found.add(message[0] if isinstance(message, tuple) else message)
    return found


def read(path: Path, language: str) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language)


def untranslated(messages: set[str], catalogs: list[Catalog]) -> list[str]:
    """The messages no catalog translates in full."""

    def translated(message: str) -> bool:
        for catalog in catalogs:
            entry = catalog.get(message)
            forms = entry.string if entry and isinstance(entry.string, tuple) else (entry and entry.string,)
            if entry and not entry.fuzzy and all(forms):
                return True
        return False

    return sorted(message for message in messages if not translated(message))


def placeholder_errors(catalog: Catalog) -> list:
    """Entries whose translation's %(name)s placeholders differ from the English."""
    return [(entry.id, errors) for entry, errors in catalog.check()]
