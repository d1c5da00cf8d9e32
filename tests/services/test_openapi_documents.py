"""Each service's /openapi.json is a valid OpenAPI 3.1 document that says what every operation does."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from shared.web.problems import PROBLEM_JSON

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
SERVICES = ["ingestion_app", "notification_app"]


def _document(request, app_fixture: str) -> dict:
    response = request.getfixturevalue(app_fixture).test_client().get("/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


@pytest.mark.parametrize("app_fixture", SERVICES)
def test_is_a_valid_openapi_3_1_document(request, app_fixture):
    document = _document(request, app_fixture)
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize("app_fixture", SERVICES)
def test_every_operation_says_what_it_does(request, app_fixture):
    operations = _operations(_document(request, app_fixture))
    assert [label for label, op in operations if not (op.get("summary") or op.get("description"))] == []


@pytest.mark.parametrize("app_fixture", SERVICES)
def test_every_error_is_documented_as_problem_json(request, app_fixture):
    document = _document(request, app_fixture)
    default = document["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"] == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for label, operation in _operations(document):
        assert operation["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}, label
