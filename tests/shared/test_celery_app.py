"""The Celery factory's defaults, and a request id travelling from HTTP into a task."""

import dataclasses
import json
import time

import redis as redis_lib

from shared.celery_app import BaseTask, TransientError, create_celery
from shared.queue import enqueue
from shared.tasks import ALL_QUEUES, CONTRACTS, QUEUE_EMAIL, SEND_EMAIL, SEND_SIGN_IN_CODE, WORKER_QUEUES


def test_defaults_are_json_late_ack_no_results(settings):
    app = create_celery("t", settings, WORKER_QUEUES)
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_ignore_result is True
    assert conf.result_backend is None
    assert conf.worker_prefetch_multiplier == 1
    assert [q.name for q in conf.task_queues] == list(WORKER_QUEUES)
    assert all(q.routing_key == q.name and q.exchange.name == q.name for q in conf.task_queues)


def test_every_contract_routes_to_a_known_queue(settings):
    routes = create_celery("t", settings).conf.task_routes
    for contract in CONTRACTS:
        assert routes[contract.name] == {"queue": contract.queue}
        assert contract.queue in ALL_QUEUES


def test_tasks_retry_with_backoff_and_jitter_by_default(workers_celery):
    task = workers_celery.tasks["workers.record_pipeline_probe"]
    assert isinstance(task, BaseTask)
    assert TransientError in task.autoretry_for
    assert task.retry_backoff and task.retry_jitter
    assert 0 < task.retry_backoff_max < workers_celery.conf.broker_transport_options["visibility_timeout"]
    assert task.max_retries


def test_request_id_travels_from_http_into_the_task(ingestion_app, db, workers_worker):
    client = ingestion_app.test_client()
    r = client.post(
        "/internal/pipeline-probe",
        headers={
            "Authorization": "Bearer dev-only-secret-not-for-production",
            "X-Request-ID": "req-0123456789",
        },
    )
    assert r.status_code == 202
    probe_id = r.json["probe_id"]
    deadline = time.monotonic() + 10
    while (doc := db.pipeline_probes.find_one({"_id": probe_id}))["status"] != "processed":
        assert time.monotonic() < deadline, "the worker never processed the probe"
        time.sleep(0.05)
    assert doc["request_id"] == "req-0123456789"
    assert doc["task_request_id"] == "req-0123456789"
    status = client.get(
        r.json["status_url"], headers={"Authorization": "Bearer dev-only-secret-not-for-production"}
    )
    assert status.json["status"] == "processed"
    assert status.json["latency_ms"] >= 0


QUIET_BROKER_DB = 11  # nothing consumes it: the published messages are read back raw


def test_published_tasks_show_only_their_ids_to_logs(settings, redis_server):
    """Celery logs argsrepr/kwargsrepr when a task is received, succeeds, retries or fails; every publish
    sets them from the contract, a retry (the same task sent again) included."""
    quiet = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
    broker = redis_lib.Redis.from_url(quiet.broker_url)
    broker.flushdb()
    app = create_celery("t", quiet)
    enqueue(app, SEND_SIGN_IN_CODE, email="someone@example.org")
    enqueue(app, SEND_EMAIL, outbox_id="a" * 32)
    app.send_task(SEND_SIGN_IN_CODE.name, kwargs={"email": "someone@example.org"}, retries=1)  # as a retry
    app.send_task("not.a.contract", args=["someone@example.org"], kwargs={"to": "someone@example.org"})
    published = [json.loads(raw)["headers"] for raw in reversed(broker.lrange(QUEUE_EMAIL, 0, -1))]
    published += [json.loads(raw)["headers"] for raw in broker.lrange("celery", 0, -1)]
    shown = [(h["argsrepr"], h["kwargsrepr"]) for h in published]
    assert shown == [
        ("[]", "{'email': '<hidden>'}"),
        ("[]", "{'outbox_id': '" + "a" * 32 + "'}"),
        ("[]", "{'email': '<hidden>'}"),
        ("['<hidden>']", "{'to': '<hidden>'}"),
    ]
