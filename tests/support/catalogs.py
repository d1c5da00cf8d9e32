"""What a catalog lacks: the messages pages mark with _() or ngettext(), and the words the API's problems
may carry, as Babel's own extraction finds them, that have no translation (or a fuzzy one) in the catalogs
they are read from."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from marshmallow import Schema, fields, validate

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


# Where the API's words are marked: `english` imported as `_` (shared/languages.py); pages mark theirs with
# the same name, and are checked apart (their modules are pages.py).
PROBLEM_KEYWORDS = {"_": None, "english": None}
BRACED = re.compile(r"\{(\w+)[^{}]*\}")


def marked_in_code(paths: Iterable[Path]) -> set[str]:
    """Each text a Python module marks with `_()`: the templates of parameterised ones, as written."""
    found: set[str] = set()
    for path in paths:
        with path.open("rb") as source:
            found.update(message for _, message, _, _ in extract("python", source, keywords=PROBLEM_KEYWORDS))
    return found


def marshmallow_messages() -> set[str]:
    """marshmallow's own messages, as the templates its answers are formatted from: each field's and
    validator's defaults and a schema's; Range's assembled from its parts, a date or time field's with the
    kind of value it takes."""

    def subclasses(cls: type) -> list[type]:
        return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]

    found = set(Schema._default_error_messages.values())
    for field in subclasses(fields.Field):
        kinds = {"obj_type": getattr(field, "OBJ_TYPE", None), "awareness": getattr(field, "AWARENESS", None)}
        for cls in field.__mro__:
            for message in vars(cls).get("default_error_messages", {}).values():
                if any(f"{{{kind}}}" in message and not value for kind, value in kinds.items()):
                    continue  # a base class's wording: the fields that use it say of what
                found.add(BRACED.sub(lambda m, kinds=kinds: kinds.get(m.group(1)) or m.group(0), message))
    for validator in subclasses(validate.Validator):
        for name, message in vars(validator).items():
            if name.startswith(("message", "default_message")) and isinstance(message, str):
                found.add(message)
    rng = validate.Range
    found -= {getattr(rng, n) for n in vars(rng) if n.startswith("message")}
    low, high = (rng.message_gte, rng.message_gt), (rng.message_lte, rng.message_lt)
    for op in low:
        found.add(rng.message_min.format(min_op=op))
    for op in high:
        found.add(rng.message_max.format(max_op=op))
    for lo, hi in itertools.product(low, high):
        found.add(rng.message_all.format(min_op=lo, max_op=hi))
    return found


def brace_placeholder_errors(catalog: Catalog) -> list:
    """Entries whose translation's {name} placeholders differ from the English."""
    return [
        (entry.id, entry.string)
        for entry in catalog
        if entry.id and entry.string and set(BRACED.findall(entry.id)) != set(BRACED.findall(entry.string))
    ]
