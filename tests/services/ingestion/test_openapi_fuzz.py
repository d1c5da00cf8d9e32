"""Fuzz the published OpenAPI document against the real app (FerretDB, Redis), signed in as a real person:
no 5xx, every answer documented (status, content type, headers, body)."""

from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from tests.factories.accounts import person
from tests.support.fuzz import fuzz_every_operation, fuzz_hostile_bodies


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_every_operation_answers_as_documented(ingestion_app, redis, mode):
    _user, signed_in = person()
    fuzz_every_operation(ingestion_app, mode, headers=signed_in)


def test_hostile_values_never_answer_a_server_error(ingestion_app, redis):
    """Lone surrogates, control characters, objects and lists for scalars, huge integers, deep nesting."""
    _user, signed_in = person()
    fuzz_hostile_bodies(ingestion_app, headers=signed_in)
