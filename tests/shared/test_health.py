"""/healthz touches nothing; /readyz names what is down and recovers by itself."""

import dataclasses

import pytest

from shared.mongo import mongo
from tests.support.runtimes import ingestion_app
from tests.support.servers import FerretDB, RedisServer

PROBLEM = "application/problem+json"
OPS = {"Authorization": "Bearer dev-only-secret-not-for-production"}


def test_ready_when_everything_answers(ingestion_app):
    r = ingestion_app.test_client().get("/readyz")
    assert r.status_code == 200
    assert r.json == {
        "status": "pass",
        "checks": {"mongodb": {"status": "pass"}, "redis": {"status": "pass"}},
    }


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def own_ferretdb(tmp_path):
    server = FerretDB(tmp_path / "ferretdb").start()
    yield server
    server.stop()


def test_redis_down_turns_readyz_red_then_green_without_restart(settings, db, own_redis):
    app = ingestion_app(dataclasses.replace(settings, redis_url=own_redis.url(0)))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200

    own_redis.stop()
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.mimetype == PROBLEM
    assert r.json["detail"] == "Redis is unreachable."
    assert r.json["checks"]["redis"]["status"] == "fail"
    assert r.json["checks"]["mongodb"]["status"] == "pass"
    assert r.headers["Retry-After"]
    assert client.get("/healthz").status_code == 200  # liveness never depends on Redis

    own_redis.start()  # same port
    assert client.get("/readyz").status_code == 200


def test_mongo_down_gives_503_with_retry_after_and_recovers(settings, own_ferretdb):
    app = ingestion_app(dataclasses.replace(settings, mongo_uri=own_ferretdb.uri, mongo_timeout_ms=800))
    client = app.test_client()
    assert client.post("/internal/pipeline-probe", headers=OPS).status_code == 202

    own_ferretdb.stop()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["detail"] == "MongoDB is unreachable."
    r = client.post("/internal/pipeline-probe", headers=OPS)
    assert r.status_code == 503
    assert r.mimetype == PROBLEM
    assert r.headers["Retry-After"] == "5"
    assert r.json["dependency"] == "MongoDB"
    assert "Traceback" not in r.get_data(as_text=True)

    own_ferretdb.start()
    assert client.get("/readyz").status_code == 200
    assert client.post("/internal/pipeline-probe", headers=OPS).status_code == 202
    mongo.configure(settings)
