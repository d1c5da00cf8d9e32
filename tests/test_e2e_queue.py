"""The queue path across real, separate processes: gunicorn -> Redis -> Celery worker -> MongoDB."""

import dataclasses
import json
import time

import pytest
import requests

from shared.tasks import NOTIFICATION_QUEUES, WORKER_QUEUES
from tests.support.servers import celery_worker, child_env, free_port, gunicorn, http_ready, wait_for

OPS = {"Authorization": "Bearer dev-only-secret-not-for-production"}


@pytest.fixture
def stack(settings, redis_server, db, tmp_path):
    # The children log JSON as in production (the "test" environment leaves logging to pytest), and use a
    # broker database of their own so the in-process test worker cannot take their tasks.
    own = dataclasses.replace(
        settings, environment="development", log_level="INFO", broker_url=redis_server.url(2)
    )
    env = child_env(own.as_env())
    port = free_port()
    processes = {
        "web": gunicorn("services.ingestion.wsgi:app", port, env, tmp_path / "web.log").start(),
        "worker": celery_worker(
            "services.workers.worker", WORKER_QUEUES, env, tmp_path / "worker.log"
        ).start(),
    }
    try:
        wait_for(lambda: http_ready(f"http://127.0.0.1:{port}/readyz"), 30, "ingestion under gunicorn")
        yield f"http://127.0.0.1:{port}", processes
    finally:
        for process in processes.values():
            process.stop()


def wait_processed(base, probe_id, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        body = requests.get(f"{base}/internal/pipeline-probe/{probe_id}", headers=OPS, timeout=5).json()
        if body["status"] == "processed" or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_http_request_reaches_a_separate_worker_and_the_database(stack, db):
    base, processes = stack
    r = requests.post(
        f"{base}/internal/pipeline-probe", headers=OPS | {"X-Request-ID": "e2e-request-0001"}, timeout=5
    )
    assert r.status_code == 202
    assert r.headers["Location"] == r.json()["status_url"]
    probe_id = r.json()["probe_id"]

    body = wait_processed(base, probe_id)
    assert body["status"] == "processed", processes["worker"].output()[-3000:]

    doc = db.pipeline_probes.find_one({"_id": probe_id})  # read back from the database itself
    assert doc["status"] == "processed"
    assert doc["worker"].startswith("test-")
    assert doc["task_request_id"] == "e2e-request-0001"

    # The request id appears in both processes' JSON logs.
    web_lines = [json.loads(line) for line in processes["web"].output().splitlines() if line.startswith("{")]
    assert any(
        e.get("request_id") == "e2e-request-0001" and e.get("route") == "/internal/pipeline-probe"
        for e in web_lines
    )
    wait_for(lambda: "e2e-request-0001" in processes["worker"].output(), 10, "worker log line")


def test_probe_sent_while_the_worker_is_down_is_processed_when_it_returns(stack, db):
    base, processes = stack
    processes["worker"].stop()
    r = requests.post(f"{base}/internal/pipeline-probe", headers=OPS, timeout=5)
    assert r.status_code == 202
    probe_id = r.json()["probe_id"]
    time.sleep(0.5)
    assert db.pipeline_probes.find_one({"_id": probe_id})["status"] == "queued"  # durable, waiting in Redis
    processes["worker"].start()
    assert wait_processed(base, probe_id)["status"] == "processed"


def test_notification_worker_consumes_its_own_queue(settings, redis_server, db, tmp_path):
    env = child_env(dataclasses.replace(settings, broker_url=redis_server.url(3)).as_env())
    port = free_port()
    web = gunicorn("services.notification.wsgi:app", port, env, tmp_path / "web.log").start()
    worker = celery_worker(
        "services.notification.worker", NOTIFICATION_QUEUES, env, tmp_path / "w.log"
    ).start()
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: http_ready(f"{base}/readyz"), 30, "notification under gunicorn")
        probe_id = requests.post(f"{base}/internal/pipeline-probe", headers=OPS, timeout=5).json()["probe_id"]
        assert wait_processed(base, probe_id)["target"] == "notification.record_pipeline_probe"
        assert db.pipeline_probes.find_one({"_id": probe_id})["status"] == "processed"
    finally:
        web.stop()
        worker.stop()
