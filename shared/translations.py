"""Message catalogs: a Babel .po file per language beside the code whose text it translates
(`<directory>/<language>/LC_MESSAGES/messages.po`), compiled in memory when a process starts, so no binary
is kept and nothing is built. English, the language the text is written in, needs none.

A catalog speaks to the person as the app does ("tú" in Spanish); text for a professional (the clinician's
email and the pages its links open) reads it through `Formal`: the entry for the context FORMAL (msgctxt)
where the catalog has one."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from shared import languages

FORMAL = "formal"  # the msgctxt of a message's formal wording ("usted")


def load(directory: Path, language: str) -> NullTranslations:
    if language == languages.DEFAULT:
        return NullTranslations()
    with (directory / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they fall back to English
    compiled.seek(0)
    return Translations(compiled)


def load_merged(directories: Iterable[Path], language: str) -> NullTranslations:
    """One catalog from several, a later one winning where two translate the same text: a service's pages
    over the layout and pages every service shares."""
    merged: NullTranslations | None = None
    for directory in directories:
        catalog = load(directory, language)
        if merged is None:
            merged = catalog
        elif isinstance(merged, Translations) and isinstance(catalog, Translations):
            merged.merge(catalog)
    return merged or NullTranslations()


def entries(directory: Path, language: str, domain: str) -> dict[str, str]:
    """A catalog's translated entries, English -> translation (none for English, or where the directory has no
    `<domain>.po`); fuzzy ones are left out, as `load` leaves them."""
    path = directory / language / "LC_MESSAGES" / f"{domain}.po"
    if language == languages.DEFAULT or not path.exists():
        return {}
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    # Plural entries (a tuple each) are left out too: an answer's words are single messages.
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}


class Formal(NullTranslations):
    """A catalog speaking formally: a message's FORMAL entry where the catalog has one, else its usual one."""

    def __init__(self, catalog: NullTranslations) -> None:
        super().__init__()
        self.catalog = catalog

    def gettext(self, message: str) -> str:
        formal = self.catalog.pgettext(FORMAL, message)
        return formal if formal != message else self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        formal = self.catalog.npgettext(FORMAL, singular, plural, n)
        return (
            formal
            if formal != (singular if n == 1 else plural)
            else self.catalog.ngettext(singular, plural, n)
        )

    # Jinja uses these names where they exist, and Babel's base class binds them to its own lookups.
    ugettext, ungettext = gettext, ngettext
