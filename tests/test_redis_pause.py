"""Redis stalls (SIGSTOP, as a frozen VM or a long fork does): the API answers every request within a bound
set by the Redis timeouts in the settings, either accepting it (the events are durable in MongoDB, their
recompute requests too, and the sweeper sends the task later) or 503 problem+json with Retry-After. After
SIGCONT it answers normally, the retried events are stored once each, and the sweep sends every deferred
signal."""

from __future__ import annotations

import dataclasses
import signal
import threading
import time
from datetime import UTC, datetime

import pytest
import redis as redis_lib
import requests

from services.ingestion.accounts import service as accounts
from shared.recompute import sweep
from shared.redis_client import redis_client
from shared.tasks import QUEUE_SUMMARIES
from tests.support.runtimes import celery_for
from tests.support.servers import RedisServer, child_env, free_port, gunicorn, http_ready, wait_for

TIMEOUT_MS = 250
# Every request must be answered well before a client gives up. Before the timeouts came from the settings
# and a stalled Redis was skipped after its first timeout, each Redis call waited 2 s and one write made
# four of them and a publish: 8-10 s.
ANSWER_BOUND_S = 3.0
WRITES = 8


@pytest.fixture
def paused_stack(settings, db, tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    port = free_port()
    own = dataclasses.replace(
        settings,
        redis_url=server.url(0),
        broker_url=server.url(1),
        redis_timeout_ms=TIMEOUT_MS,
        app_base_url=f"http://127.0.0.1:{port}",
    )
    app = gunicorn("services.ingestion.wsgi:app", port, child_env(own.as_env()), tmp_path / "ingestion.log")
    app.start()
    redis_client.configure(own)
    try:
        wait_for(lambda: http_ready(f"{own.app_base_url}/readyz"), 30, "the API")
        yield own, server, app
    finally:
        server.process.signal(signal.SIGCONT)
        app.stop()
        server.stop()
        redis_client.configure(settings)


def post(url: str, token: str, event_id: str) -> tuple[requests.Response | None, float]:
    body = {
        "event_id": event_id,
        "type": "check_in",
        "overall": 4,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    started = time.monotonic()
    try:
        response = requests.post(
            f"{url}/v1/events", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=15
        )
    except requests.RequestException:
        response = None
    return response, time.monotonic() - started


def test_a_stalled_redis_answers_in_bounded_time_and_loses_nothing(paused_stack, db):
    own, server, app = paused_stack
    user = accounts.create_account("paused@example.org", "Pat", "UTC", {"recorded_by": "test"})
    token, _device = accounts.issue_device_token(user["_id"], "phone", "ios")
    first, _ = post(own.app_base_url, token, "before")
    assert first is not None and first.status_code == 202

    server.process.signal(signal.SIGSTOP)
    ids = [f"paused-{i}" for i in range(WRITES)]
    answers: dict[str, tuple] = {}
    threads = [
        threading.Thread(target=lambda i=i: answers.__setitem__(i, post(own.app_base_url, token, i)))
        for i in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = time.monotonic()
    ready = requests.get(f"{own.app_base_url}/readyz", timeout=15)
    readyz_s = time.monotonic() - started
    # A sign-in code cannot be sent without its rate limit (it guards people's inboxes): refused, briefly.
    started = time.monotonic()
    code = requests.post(f"{own.app_base_url}/v1/auth/code", json={"email": "paused@example.org"}, timeout=15)
    code_s = time.monotonic() - started
    server.process.signal(signal.SIGCONT)

    for event_id, (response, seconds) in answers.items():
        assert response is not None, f"{event_id}: no answer"
        assert seconds < ANSWER_BOUND_S, f"{event_id}: answered after {seconds:.1f} s"
        if response.status_code != 202:
            assert response.status_code == 503, response.text
            assert response.headers["Content-Type"] == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0
    assert ready.status_code == 503 and "Redis" in ready.json()["detail"]
    assert readyz_s < ANSWER_BOUND_S
    assert code.status_code == 503 and code_s < ANSWER_BOUND_S
    assert code.headers["Content-Type"] == "application/problem+json"
    assert int(code.headers["Retry-After"]) > 0 and "Redis" in code.json()["detail"]
    assert app.alive

    # After SIGCONT: the API is whole again (a code is sent); any refused event is sent again and taken.
    wait_for(lambda: http_ready(f"{own.app_base_url}/readyz"), 10, "readiness after the pause")
    code = requests.post(f"{own.app_base_url}/v1/auth/code", json={"email": "paused@example.org"}, timeout=15)
    assert code.status_code == 202
    for event_id, (response, _) in answers.items():
        if response.status_code != 202:
            again, _ = post(own.app_base_url, token, event_id)
            assert again is not None and again.status_code == 202, again.text if again else None
    stored = [e["event_id"] for e in db.events.find({"user_id": user["_id"]})]
    assert sorted(stored) == sorted(["before", *ids])

    # Every write's recompute request is in MongoDB; the sweep sends the person's task once Redis is back.
    assert db.recompute_requests.count_documents({"_id": user["_id"]}) == 1
    broker = redis_lib.Redis.from_url(own.broker_url)
    broker.delete(QUEUE_SUMMARIES)
    redis_lib.Redis.from_url(own.redis_url).flushdb()  # as after the queued-task markers expire
    producer = celery_for("pause-test-producer", own)
    assert sweep(producer, before=datetime.now(UTC)) == 1
    assert broker.llen(QUEUE_SUMMARIES) == 1
