"""What a catalog lacks: the messages pages mark with _() or ngettext(), and the words the API's problems
may carry, as Babel's own extraction finds them, that have no translation (or a fuzzy one) in the catalogs
they are read from."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import default_exceptions

from shared.web.problems import DomainError

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


# Every word a service's API problems may carry (what its problems catalog and the shared one must
# translate). shared/catalog's texts (the medication and symptom catalogue's) are translated beside them.
SHARED_LEFT_OUT = ("catalog",)
# A 404 or 405 from routing, a body too large or of the wrong type: werkzeug's, whatever the documents say.
ROUTING_STATUSES = {400, 404, 405, 413, 415, 500}
WEBARGS = {"Invalid JSON body."}  # a body that does not parse, under invalid_params' "json"


def api_problem_words(app, service: str, left_out: tuple[str, ...] = ()) -> set[str]:
    """The texts the service (services/<service>) and shared/ mark with `_()` outside pages.py (pages mark
    theirs with the same name, checked apart), the titles and fixed details of their problem classes, HTTP's
    title and werkzeug's description of each error status the app can answer, and marshmallow's and
    webargs' messages. `left_out` names the service's packages whose problems stay English (for staff)."""
    return (
        marked_problem_words(service, left_out)
        | {text for c in domain_errors(service, left_out) for text in (c.title, c.detail)}
        | status_words(app, service, left_out)
        | marshmallow_messages()
        | WEBARGS
    )


def marked_problem_words(service: str, left_out: tuple[str, ...] = ()) -> set[str]:
    home = ROOT / "services" / service
    modules = [
        *(p for p in (ROOT / "shared").rglob("*.py") if not set(SHARED_LEFT_OUT) & set(p.parts)),
        *(p for p in home.rglob("*.py") if not set(left_out) & set(p.relative_to(home).parts)),
    ]
    return marked_in_code(p for p in modules if p.name != "pages.py")


def domain_errors(service: str, left_out: tuple[str, ...] = ()) -> list[type[DomainError]]:
    """Every problem class the service, and what it shares, raises (imported with the app)."""

    def subclasses(cls):
        return [cls, *(sub for direct in cls.__subclasses__() for sub in subclasses(direct))]

    ours = (f"services.{service}.", "shared.")
    theirs = tuple(f"services.{service}.{package}." for package in left_out)
    return [
        c
        for c in subclasses(DomainError)
        if c.__module__.startswith(ours) and not any(c.__module__.startswith(t) for t in theirs)
    ]


def status_words(app, service: str, left_out: tuple[str, ...] = ()) -> set[str]:
    """The title (HTTP's phrase) and werkzeug's description of each error status the API can answer."""
    document = app.test_client().get("/openapi.json").json
    documented = {
        int(status)
        for operations in document["paths"].values()
        for operation in operations.values()
        if isinstance(operation, dict)
        for status in operation.get("responses", {})
        if status.isdigit() and int(status) >= 400
    }
    statuses = documented | ROUTING_STATUSES | {c.status for c in domain_errors(service, left_out)}
    return {HTTPStatus(s).phrase for s in statuses} | {
        default_exceptions[s].description for s in statuses if s in default_exceptions and s < 500
    }
