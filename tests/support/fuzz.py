"""A bounded, repeatable schemathesis run over every operation of a service's published OpenAPI document.

The run is driven from inside an ordinary test rather than `@schema.parametrize()`: the app exists only
once the database fixtures have started, and schemathesis's fixture-based loader fails on pytest 9.2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

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


def fuzz_every_operation(app: Flask, mode: GenerationMode, headers: dict | None = None) -> None:
    """Call each documented JSON API operation (under /v1/) with generated requests and validate every
    response against the document; fails with one reproducible case per failing operation."""
    schema = openapi.from_wsgi("/openapi.json", app).include(path_regex="^/v1/")
    if headers:
        schema.config.update(headers=headers)  # known to generation too: negative cases leave them be
    failures: list[BaseException] = []
    for result in schema.get_all_operations():
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
