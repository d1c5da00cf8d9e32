"""What a generated client relies on, checked on both services' documents: a clean lint, stable operation
names, declared security and answers, and exactly the routes the services serve under /v1/."""

from __future__ import annotations

import json
import re

import pytest

from shared.web.problems import PROBLEM_JSON
from tests.contract.conftest import SERVICES, node_tool
from tests.factories.accounts import person

METHODS = {"get", "put", "post", "delete", "patch"}
API_PREFIX = "/v1/"  # the public API; pages, health checks and operator endpoints are not part of it
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z]+$")


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


@pytest.mark.parametrize("service", SERVICES)
def test_document_lints_clean(document_files, service):
    """Redocly's recommended rules (tools/contract/redocly.yaml): no error and no warning."""
    result = node_tool(
        "redocly", "lint", "--config", "redocly.yaml", "--format", "json", document_files[service]
    )
    totals = json.loads(result.stdout[result.stdout.index("{") :])["totals"]
    assert totals == {"errors": 0, "warnings": 0, "ignored": 0}, result.stdout[-4000:]


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_has_a_stable_name(documents, service):
    ids = [op.get("operationId") for _m, _p, op in operations(documents[service])]
    assert all(isinstance(i, str) and OPERATION_ID.match(i) for i in ids), ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_declares_who_may_call_it(documents, service):
    document = documents[service]
    schemes = set(document["components"].get("securitySchemes", {}))
    for method, path, operation in operations(document):
        label = f"{method.upper()} {path}"
        assert "security" in operation, label  # an empty list says "public" out loud
        named = {name for requirement in operation["security"] for name in requirement}
        assert named <= schemes, label
        if operation["security"]:
            assert "401" in operation["responses"], label


@pytest.mark.parametrize("service", SERVICES)
def test_every_answer_has_its_content_type(documents, service):
    """Errors are problem+json; a success has a body (JSON, a file or a page) unless it is 204, or 304
    (which HTTP gives no body: the client's cached copy stands)."""
    document = documents[service]
    responses = document["components"]["responses"]
    for method, path, operation in operations(document):
        for status, declared in operation["responses"].items():
            response = responses[declared["$ref"].rsplit("/", 1)[1]] if "$ref" in declared else declared
            label = f"{method.upper()} {path} {status}"
            if status == "default" or int(status) >= 400:
                assert list(response["content"]) == [PROBLEM_JSON], label
            elif status not in {"204", "304"}:
                assert response.get("content"), label
                assert all(media.get("schema") for media in response["content"].values()), label


@pytest.mark.parametrize("service", SERVICES)
def test_every_json_body_declares_its_refusals(documents, service):
    for method, path, operation in operations(documents[service]):
        if "requestBody" in operation:
            assert list(operation["requestBody"]["content"]) == ["application/json"]
            assert {"400", "413", "415", "422"} <= set(operation["responses"]), f"{method.upper()} {path}"


def _served(app) -> set[tuple[str, str]]:
    served = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        served |= {(method.lower(), path) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return served


@pytest.mark.parametrize("service", SERVICES)
def test_the_document_describes_exactly_the_api_routes_served(apps, documents, service):
    """Derived from Flask's url_map, so a route added under /v1/ without its documentation (or a
    documented operation with no route) fails here."""
    served = {(m, p) for m, p in _served(apps[service]) if p.startswith(API_PREFIX)}
    documented = {(m, p) for m, p, _op in operations(documents[service])}
    assert sorted(served - documented) == [], "served under /v1/ but not in the document"
    assert sorted(documented - served) == [], "in the document but not served"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.usefixtures("redis")
def test_every_json_body_refuses_another_content_type(apps, documents, service, db, settings):
    """One mechanism for all: each operation with a JSON body answers 415 to text/plain and to a body
    sent without a Content-Type, and stores nothing."""
    _user, signed_in = person()
    secrets = {
        "device_token": signed_in["Authorization"],
        "provider_token": f"Bearer {settings.webhook_secret}",
    }
    client = apps[service].test_client()
    for method, path, operation in operations(documents[service]):
        if "requestBody" not in operation:
            continue
        url = re.sub(r"{[^}]+}", "x" * 12, path)
        # Signed in by any scheme this test holds a secret for (a public operation needs none).
        names = [name for requirement in operation["security"] for name in requirement if name in secrets]
        headers = {"Authorization": secrets[names[0]]} if names else {}
        for content_type in ("text/plain", None):
            sent = headers | ({"Content-Type": content_type} if content_type else {})
            answer = client.open(url, method=method.upper(), data='{"a": 1}', headers=sent)
            assert answer.status_code == 415, (method, path, content_type, answer.get_json())
            assert answer.mimetype == PROBLEM_JSON
    assert db.events.count_documents({}) == 0
    assert db.reports.count_documents({}) == 0


# Bodies the server refuses with 422, each beside one it takes: the document must tell them apart too,
# or a generated client (or validator) would let the refused one through.
NOW = "2026-03-02T07:30:00+01:00"
SYMPTOM = {"event_id": "e-1", "type": "symptom", "severity": 2, "occurred_at": NOW}
DOSE = {"event_id": "e-2", "type": "dose", "amount_mg": 1.5, "occurred_at": NOW}
REFUSED_AND_TAKEN = [
    ("symptom with neither code nor label", SYMPTOM, SYMPTOM | {"code": "insomnia"}),
    (
        "symptom with both",
        SYMPTOM | {"code": "insomnia", "custom_label": "x"},
        SYMPTOM | {"custom_label": "x"},
    ),
    ("time without an offset", SYMPTOM | {"code": "insomnia", "occurred_at": "2026-03-02T07:30:00"}, None),
    ("dose of nothing", DOSE, DOSE | {"medication": "clonazepam"}),
    ("liquid without concentration", DOSE | {"medication": "diazepam", "form": "liquid"}, None),
    ("zero milligrams", DOSE | {"medication": "diazepam", "amount_mg": 0}, None),
]


def _valid(document: dict, component: str, body: dict) -> bool:
    from jsonschema import Draft202012Validator

    schema = document | {"$ref": f"#/components/schemas/{component}"}  # refs resolve within the document
    return Draft202012Validator(schema).is_valid(body)


@pytest.mark.usefixtures("redis", "db")
@pytest.mark.parametrize(
    ("case", "refused", "taken"), REFUSED_AND_TAKEN, ids=[c[0] for c in REFUSED_AND_TAKEN]
)
def test_the_document_refuses_what_the_server_refuses(apps, documents, case, refused, taken):
    _user, signed_in = person()
    client = apps["ingestion"].test_client()
    answer = client.post("/v1/events", json=refused, headers=signed_in)
    assert answer.status_code == 422, (case, answer.get_json())
    component = f"Single{refused['type'].title()}Event"
    assert not _valid(documents["ingestion"], component, refused), case
    if taken is not None:
        assert _valid(documents["ingestion"], component, taken), case
        assert client.post("/v1/events", json=taken, headers=signed_in).status_code == 202, case
