"""A bounded, repeatable schemathesis run over every operation of a service's published OpenAPI document.

The run is driven from inside an ordinary test rather than `@schema.parametrize()`: the app exists only
once the database fixtures have started, and schemathesis's fixture-based loader fails on pytest 9.2.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

EXAMPLES_PER_OPERATION = 20
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same cases on every machine and every run
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Mostly times a phone would send (the last few years, any UTC offset), so cases reach storage and the
# workers' signal rather than stopping at "absurdly old"; the rest anywhere in years 1-9999.
_NOW = datetime.now(UTC).replace(tzinfo=None)
_OFFSETS = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
DATE_TIMES = st.one_of(
    st.datetimes(_NOW - timedelta(days=5 * 365), _NOW + timedelta(minutes=5), timezones=_OFFSETS),
    st.datetimes(timezones=_OFFSETS),
).map(datetime.isoformat)
openapi.format("date-time", DATE_TIMES)

# "No 5xx, every response as documented", and invalid input refused. Not `positive_data_acceptance`:
# schema-valid requests are rightly refused by rules the schema can't express (an unknown invitation).
CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.ignored_auth,
]

# A batch answers each event in its own result: an event the document calls invalid is "rejected" there
# with its problem while the others are stored (200), so a refused batch is not what to expect of it.
ITEM_BY_ITEM = {"POST /v1/events/batch"}


def _schema(app: Flask, headers: dict | None):
    schema = openapi.from_wsgi("/openapi.json", app).include(path_regex="^/v1/")
    # Uncompressed answers: the WSGI transport hands over the body as sent, and the checks read it as text
    # (compression is tested where it is made: tests/services/ingestion/summaries/test_api.py).
    schema.config.update(headers={"Accept-Encoding": "identity"} | (headers or {}))
    return schema


def fuzz_every_operation(app: Flask, mode: GenerationMode, headers: dict | None = None) -> None:
    """Call each documented JSON API operation (under /v1/) with generated requests and validate every
    response against the document; fails with one reproducible case per failing operation."""
    failures: list[BaseException] = []
    for result in _schema(app, headers).get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, mode)
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise
            # e.g. only a free-form string path parameter: no request is invalid by the document alone.
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - each is reported below
            exc.add_note(f"operation: {operation.label} ({mode} data)")
            failures.append(exc)
    if failures:
        raise BaseExceptionGroup(f"{len(failures)} operations answered otherwise than documented", failures)


def _fuzz(operation: APIOperation, mode: GenerationMode) -> None:
    run = CHECKS
    if operation.label in ITEM_BY_ITEM:
        run = [check for check in CHECKS if check is not checks.negative_data_rejection]

    @BOUNDED
    @given(case=operation.as_strategy(generation_mode=mode))
    def answers_as_documented(case):
        case.call_and_validate(checks=run)

    answers_as_documented()


# Values no OpenAPI document describes, each of which once answered 500: put in place of one value (or the
# whole body) of a request the document calls valid. Big numbers and deep nesting cannot pass through
# json.dumps, so they go in as placeholders replaced in the serialised text.
_BIG_INT, _DEEP = "\x00hostile-big-int", "\x00hostile-deep"
HOSTILE_VALUES = {
    "lone surrogate": "worse \ud83d after lunch",
    "CR, LF and control characters": "Sam\r\nBcc: x@example.org\x00\x07",
    "object for a value": {"name": "symptom"},
    "list for a value": ["symptom"],
    "5,000-digit integer": _BIG_INT,
    "100,000-deep nesting": _DEEP,
}
_PLACEHOLDERS = {json.dumps(_BIG_INT): "9" * 5000, json.dumps(_DEEP): "[" * 100_000 + "]" * 100_000}


def _places(value: Any, path: tuple = ()) -> list[tuple]:
    """Every place in a JSON value, the value itself first."""
    places = [path]
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        places.extend(_places(child, (*path, key)))
    return places


def _put(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _put(value[path[0]], path[1:], new)
    return copy


def hostile_body(body: Any, where: int, kind: str) -> str:
    """The body as JSON text with its `where`-th place (modulo their number) replaced by a hostile value."""
    text = json.dumps(_put(body, _places(body)[where % len(_places(body))], HOSTILE_VALUES[kind]))
    for placeholder, raw in _PLACEHOLDERS.items():
        text = text.replace(placeholder, raw)
    return text


def fuzz_hostile_bodies(app: Flask, headers: dict | None = None) -> None:
    """Send each operation that takes a JSON body valid bodies with one hostile value put in: every answer
    is a success or a 4xx problem+json, never a 5xx."""
    failures: list[BaseException] = []
    for result in _schema(app, headers).get_all_operations():
        operation = result.ok()
        if not any("json" in body.media_type for body in operation.body):
            continue
        try:
            _fuzz_hostile(operation)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - each is reported below
            exc.add_note(f"operation: {operation.label} (hostile values)")
            failures.append(exc)
    if failures:
        raise BaseExceptionGroup(f"{len(failures)} operations failed on hostile values", failures)


def _fuzz_hostile(operation: APIOperation) -> None:
    @BOUNDED
    @given(
        case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        where=st.integers(0, 1000),
        kind=st.sampled_from(sorted(HOSTILE_VALUES)),
    )
    def answers_without_a_server_error(case, where, kind):
        if case.media_type is None or "json" not in case.media_type:
            return
        response = case.call(data=hostile_body(case.body, where, kind).encode())
        assert response.status_code < 500, (kind, response.status_code, response.text[:500])
        if response.status_code >= 400:
            content_type = response.headers.get("content-type", [""])[0]
            assert content_type.startswith("application/problem+json"), (kind, response.status_code)

    answers_without_a_server_error()
