"""Ingestion with Redis or MongoDB down: nothing lost, nothing half-written, retries land exactly once."""

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib

from shared import recompute
from shared.mongo import mongo
from shared.redis_client import redis_client
from tests.factories.accounts import person
from tests.support.runtimes import celery_for, ingestion_app
from tests.support.servers import FerretDB, RedisServer


def batch(n):
    now = datetime.now(UTC)
    events = [
        {
            "event_id": uuid.uuid4().hex,
            "type": "check_in",
            "occurred_at": (now - timedelta(hours=i)).isoformat(),
            "overall": 5,
        }
        for i in range(n)
    ]
    return {"sent_at": now.isoformat(), "events": events}


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def test_redis_down_during_ingestion_loses_no_recompute_signal(settings, db, own_redis):
    own = dataclasses.replace(settings, redis_url=own_redis.url(0), broker_url=own_redis.url(1))
    app = ingestion_app(own)
    client = app.test_client()
    user, headers = person()

    own_redis.stop()
    r = client.post("/v1/events/batch", json=batch(3), headers=headers)
    assert r.status_code == 200
    assert r.json["accepted"] == 3  # durable in MongoDB even though the signal could not be sent
    request = db.recompute_requests.find_one({"_id": user["_id"]})
    assert request["requests"] == 1
    assert request["from_day"]

    own_redis.start()
    broker = redis_lib.Redis.from_url(own.broker_url)
    assert broker.llen("summaries") == 0
    sent = recompute.sweep(celery_for("sweeper", own), before=datetime.now(UTC) + timedelta(seconds=1))
    assert sent == 1
    assert broker.llen("summaries") == 1  # the recompute task is now queued for the workers
    redis_client.configure(settings)


def test_signals_are_coalesced_while_a_task_waits(db, settings, redis_server, redis):
    own = dataclasses.replace(settings, broker_url=redis_server.url(8))  # no worker consumes this broker
    client = ingestion_app(own).test_client()
    user, headers = person()
    broker = redis_lib.Redis.from_url(own.broker_url)
    before = broker.llen("summaries")
    for _ in range(5):
        assert client.post("/v1/events/batch", json=batch(20), headers=headers).json["accepted"] == 20
    # 100 events, 5 requests, one task: the flag holds until a worker starts on it.
    assert broker.llen("summaries") - before == 1
    # The waiting task covers the later writes (same day), so they needed no request of their own.
    first = db.recompute_requests.find_one({"_id": user["_id"]})
    assert first["requests"] == 1
    # An earlier day is not covered by the waiting task: it is recorded, and the flag's day is lowered.
    old = batch(1)
    old["events"][0]["occurred_at"] = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    assert client.post("/v1/events/batch", json=old, headers=headers).json["accepted"] == 1
    request = db.recompute_requests.find_one({"_id": user["_id"]})
    assert request["requests"] == 2
    flag = redis_lib.Redis.from_url(settings.redis_url).get(recompute.queued_flag(user["_id"])).decode()
    assert flag == request["from_day"] < first["from_day"]
    assert broker.llen("summaries") - before == 1
    broker.delete("summaries")
    redis_lib.Redis.from_url(settings.redis_url).delete(recompute.queued_flag(user["_id"]))


def test_mongo_down_gives_503_then_the_retry_lands_exactly_once(settings, tmp_path, redis):
    server = FerretDB(tmp_path / "ferret").start()
    try:
        own = dataclasses.replace(settings, mongo_uri=server.uri, mongo_timeout_ms=800)
        app = ingestion_app(own)
        client = app.test_client()
        _user, headers = person()
        body = batch(10)
        server.stop()
        r = client.post("/v1/events/batch", json=body, headers=headers)
        assert r.status_code == 503
        assert r.headers["Retry-After"]
        assert r.mimetype == "application/problem+json"
        server.start()
        first = client.post("/v1/events/batch", json=body, headers=headers).json
        second = client.post("/v1/events/batch", json=body, headers=headers).json
        assert (first["accepted"], second["duplicate"]) == (10, 10)
        assert mongo.db.events.count_documents({}) == 10
    finally:
        server.stop()
        mongo.configure(settings)


def test_mongo_down_gives_a_single_event_503_then_its_retry_lands_exactly_once(settings, tmp_path, redis):
    server = FerretDB(tmp_path / "ferret").start()
    try:
        own = dataclasses.replace(settings, mongo_uri=server.uri, mongo_timeout_ms=800)
        client = ingestion_app(own).test_client()
        _user, headers = person()
        event = batch(1)["events"][0]
        server.stop()
        r = client.post("/v1/events", json=event, headers=headers)
        assert (r.status_code, r.mimetype) == (503, "application/problem+json")
        assert r.headers["Retry-After"]
        server.start()
        assert client.post("/v1/events", json=event, headers=headers).status_code == 202
        assert client.post("/v1/events", json=event, headers=headers).json["status"] == "duplicate"
        assert mongo.db.events.count_documents({}) == 1
    finally:
        server.stop()
        mongo.configure(settings)
