"""Request bodies as JSON: one parser for Flask's `request.get_json` and for flask-smorest's arguments.

A body that parses is still refused (400 problem+json) when it is not I-JSON (RFC 7493) or nests deeper
than any of our documents: a lone surrogate (not Unicode text; it cannot be stored or encrypted), an integer
beyond 64 bits or a non-finite number (MongoDB cannot store them; Python refuses to read one of 4,300 digits
at all), or nesting past MAX_DEPTH (beyond ~1,000 levels Python's parser and encoders overflow their stack).
Every check is one pass over the parsed body, so its cost is bounded by the request size limit.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import flask
from flask_smorest import Blueprint
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from shared.languages import english as _
from shared.web.problems import DomainError

MAX_DEPTH = 32  # our deepest document is four levels; room for what clients wrap around it
INT_LIMIT = 2**63  # BSON's int64
# A lone surrogate can only arrive escaped (raw surrogate bytes are not UTF-8, which is refused earlier), so
# strings need checking only when the text has such an escape.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class MalformedJson(DomainError):
    status = 400
    title = "Malformed JSON"
    type_slug = "malformed-json"

    def __init__(self, reason: str, where: str = "body") -> None:
        super().__init__(
            _("The request body cannot be accepted: {reason}").format(reason=reason),
            invalid_params=[{"name": where[:200], "reason": reason}],
        )


TOO_DEEP = _("JSON nested more than {levels} levels deep.").format(levels=MAX_DEPTH)
NOT_TEXT = _("Text with a lone surrogate (an unpaired \\ud800-\\udfff escape) is not valid Unicode.")
BIG_NUMBER = _("A number too large to store: whole numbers must lie within ±2^63 and others be finite.")


def loads(text: str | bytes) -> Any:
    """Parse a body; json.JSONDecodeError for text that is not JSON, MalformedJson for the cases above."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError, a ValueError, as Flask and webargs expect
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise MalformedJson(TOO_DEEP) from None
    except json.JSONDecodeError:
        raise
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise MalformedJson(BIG_NUMBER) from None
    check(value, check_text=_SURROGATE_ESCAPE.search(text) is not None)
    return value


def _no_constant(name: str) -> Any:
    raise MalformedJson(_("{name} is not a JSON value.").format(name=name))


def check(value: Any, *, check_text: bool = True) -> None:
    """Raise MalformedJson naming the first place (dotted, like invalid_params) the value breaks a rule."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                raise MalformedJson(TOO_DEEP, where or "body")
            pairs = item.items() if kind is dict else enumerate(item)
            for key, child in pairs:
                if check_text and kind is dict and not _is_text(key):
                    raise MalformedJson(NOT_TEXT, _join(where, "(a key)"))
                stack.append((child, _join(where, key), depth + 1))
        elif kind is str:
            if check_text and not _is_text(item):
                raise MalformedJson(NOT_TEXT, where or "body")
        elif kind is int:
            if not -INT_LIMIT <= item < INT_LIMIT:
                raise MalformedJson(BIG_NUMBER, where or "body")
        elif kind is float and not math.isfinite(item):
            raise MalformedJson(BIG_NUMBER, where or "body")


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class JsonBodyParser(FlaskParser):
    """webargs reads JSON with the standard library; this reads it with `loads` above."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        return loads(req.get_data(cache=True))


class ApiBlueprint(Blueprint):
    """flask-smorest's Blueprint, parsing JSON arguments with `loads`."""

    ARGUMENTS_PARSER = JsonBodyParser()
