"""Every error from every endpoint is RFC 9457 problem+json."""

import pytest
from flask import Flask

PROBLEM = "application/problem+json"


@pytest.fixture(params=["ingestion", "notification"])
def client(request, settings, db):
    from tests.support.runtimes import ingestion_app, notification_app

    create_app = ingestion_app if request.param == "ingestion" else notification_app
    app: Flask = create_app(settings)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    return app.test_client()


def test_unknown_route_is_404_problem(client):
    r = client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.mimetype == PROBLEM
    assert r.json["status"] == 404
    assert r.json["title"] == "Not Found"
    assert r.json["instance"] == "/no/such/thing"


def test_wrong_method_is_405_problem_with_allow(client):
    r = client.delete("/healthz")
    assert r.status_code == 405
    assert r.mimetype == PROBLEM
    assert "GET" in r.headers["Allow"]


def test_crash_is_500_problem_without_internals(client):
    r = client.get("/boom")
    assert r.status_code == 500
    assert r.mimetype == PROBLEM
    assert "secret internals" not in r.get_data(as_text=True)
    assert "Traceback" not in r.get_data(as_text=True)


def test_oversize_body_is_413_problem(client, settings):
    r = client.post(
        "/internal/pipeline-probe",
        data=b"x" * (settings.max_request_bytes + 1),
        content_type="application/json",
    )
    assert r.status_code == 413
    assert r.mimetype == PROBLEM


def test_missing_operator_token_is_401_problem(client):
    r = client.post("/internal/pipeline-probe", headers={"Authorization": "Bearer wrong-token-123456"})
    assert r.status_code == 401
    assert r.mimetype == PROBLEM
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_request_id_is_echoed_or_minted(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123-def"}).headers["X-Request-ID"]
        == "abc-123-def"
    )
    minted = client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"]
    assert minted != "bad id!"
    assert len(minted) == 32
