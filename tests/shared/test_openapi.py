"""The pieces every operation is declared with (shared/web/openapi.py), on a service built as ours are."""

from __future__ import annotations

from datetime import date

import pytest

from shared.runtime import build
from shared.web.openapi import Blueprint, operation, public, sunset
from shared.web.service import ProblemApi, create_base_app

RETIRED_ON = date(2027, 1, 31)


@pytest.fixture
def app(settings, db):
    app = create_base_app(__name__, build("test", settings))
    app.config["API_TITLE"] = "Test API"
    api = ProblemApi(app, server_url="https://api.example.org/", description="a test service")
    blp = Blueprint("old", __name__, url_prefix="/v1/old", description="Retiring")

    @blp.route("", methods=["GET"])
    @sunset(RETIRED_ON, "/v1/new")
    @operation("getOld")
    @public
    @blp.response(200, description="the old answer")
    def get_old():
        """The old way."""
        return {"still": "works"}

    api.register_blueprint(blp)
    return app


def test_a_retiring_operation_still_answers_and_says_when_it_stops(app):
    answer = app.test_client().get("/v1/old")
    assert answer.status_code == 200
    assert answer.get_json() == {"still": "works"}
    assert answer.headers["Sunset"] == "Sun, 31 Jan 2027 00:00:00 GMT"
    assert answer.headers["Link"] == '</v1/new>; rel="successor-version"'


def test_the_document_marks_it_deprecated_with_its_day(app):
    document = app.test_client().get("/openapi.json").get_json()
    operation = document["paths"]["/v1/old"]["get"]
    assert operation["deprecated"] is True
    assert "2027-01-31" in operation["description"]
    assert operation["operationId"] == "getOld"
    assert operation["security"] == []
    assert document["servers"] == [{"url": "https://api.example.org", "description": "this deployment"}]
    assert document["info"]["license"]["identifier"] == "AGPL-3.0-or-later"
