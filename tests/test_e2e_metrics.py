"""Metrics from every process after real traffic: both services under gunicorn (the API with two workers,
summed through the multiprocess directory), both Celery workers (prefork pools) and beat, each scraped, and
every label value checked against what a label may hold: route patterns, task names, statuses, outcomes,
queue names. Nothing that names a person, an address or a token."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.metrics import HTTP_METHODS
from shared.tasks import ALL_QUEUES, CONTRACTS, NOTIFICATION_QUEUES, WORKER_QUEUES
from tests.support.runtimes import ingestion_app, notification_app
from tests.support.servers import (
    VENV_BIN,
    Process,
    celery_worker,
    child_env,
    free_port,
    gunicorn,
    http_ready,
    wait_for,
)
from tests.test_e2e_logs import VISITOR, invitation_flow, sign_in_flow, waitlist_flows
from tests.test_operations import DASHBOARD, HISTOGRAM_PARTS, alert_series, series_in

BROKER_DB = 13
SECRET_PATH = "/v1/shares/the-secret-share-token-in-a-path"


def scrape(url: str) -> list:
    text = requests.get(url, timeout=10).text
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(samples: list, name: str, **labels: str) -> float:
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


@pytest.fixture
def stack(settings, redis_server, db, mailbox, tmp_path):
    ingestion_port, notification_port = free_port(), free_port()
    own = dataclasses.replace(
        settings,
        broker_url=redis_server.url(BROKER_DB),
        public_base_url=f"http://127.0.0.1:{notification_port}",
        app_base_url=f"http://127.0.0.1:{ingestion_port}",
    )
    names = ("ingestion", "notification", "notifier", "workers", "beat")
    ports = {name: free_port() for name in names}

    def env(name: str | None = None) -> dict[str, str]:
        return child_env(dataclasses.replace(own, metrics_port=ports.get(name, 0)).as_env())

    processes = [
        gunicorn(
            "services.ingestion.wsgi:app",
            ingestion_port,
            env("ingestion"),
            tmp_path / "ingestion.log",
            workers=2,
        ),
        gunicorn(
            "services.notification.wsgi:app",
            notification_port,
            env("notification"),
            tmp_path / "notification.log",
        ),
        celery_worker(
            "services.notification.worker",
            NOTIFICATION_QUEUES,
            env("notifier"),
            tmp_path / "notifier.log",
            pool="prefork",
            concurrency=2,
        ),
        celery_worker(
            "services.workers.worker", WORKER_QUEUES, env("workers"), tmp_path / "workers.log", pool="prefork"
        ),
        Process(
            [str(VENV_BIN / "celery"), "-A", "services.workers.beat", "beat", "-s", str(tmp_path / "beat")],
            tmp_path / "beat.log",
            env=env("beat"),
        ),
    ]
    for process in processes:
        process.start()
    try:
        for base in (own.app_base_url, own.public_base_url):
            wait_for(lambda b=base: http_ready(f"{b}/readyz"), 30, f"{base} under gunicorn")
        for name, port in ports.items():
            wait_for(lambda p=port: http_ready(f"http://127.0.0.1:{p}/metrics"), 30, f"{name}'s metrics port")
        yield own, {name: f"http://127.0.0.1:{port}/metrics" for name, port in ports.items()}
    finally:
        for process in processes:
            process.stop()


def allowed_labels(settings) -> dict[str, set[str] | re.Pattern]:
    routes = {"(no route)"}
    for app in (ingestion_app(settings), notification_app(settings)):
        routes |= {rule.rule for rule in app.url_map.iter_rules()}
    outcomes = {"done", "retried", "failed", "sent", "deferred", "suppressed", "bounced", "complained"}
    return {
        "service": {"ingestion", "notification"},
        "method": HTTP_METHODS | {"OTHER"},
        "route": routes,
        "status": re.compile(r"^[1-5]\d\d$|^queued$|^sending$"),
        "task": {c.name for c in CONTRACTS} | {"celery.backend_cleanup"},
        "outcome": outcomes,
        "queue": set(ALL_QUEUES),
        "state": {"waiting", "taken"},
        "le": re.compile(r"^[0-9.e+]+$|^\+Inf$"),
    }


def test_every_process_exports_metrics_apart_from_public_routes_and_no_label_names_anyone(
    stack, settings, mailbox, db, redis
):
    # `redis`: rate limits start afresh, as the log test before signs the same people up.
    own, ports = stack
    app, notification = own.app_base_url, own.public_base_url
    http = requests.Session()
    secrets = waitlist_flows(http, notification, mailbox)
    secrets |= invitation_flow(http, app, notification, mailbox)
    more, me = sign_in_flow(http, app, mailbox)
    secrets |= more
    for i in range(20):  # spread over both API workers (each connection may land on either)
        event = {
            "event_id": f"m{i}",
            "type": "check_in",
            "overall": 5,
            "occurred_at": datetime.now(UTC).isoformat(),
        }
        assert requests.post(f"{app}/v1/events", json=event, headers=me, timeout=10).status_code in {201, 202}
    assert requests.get(f"{app}{SECRET_PATH}", timeout=10).status_code in {401, 404}
    user = db.users.find_one({"email_key": VISITOR.lower()})
    secrets |= {VISITOR, VISITOR.lower(), user["_id"], SECRET_PATH, "the-secret-share-token-in-a-path"}
    wait_for(lambda: not db.recompute_requests.count_documents({}), 60, "summaries to settle")

    scrapes = {name: scrape(url) for name, url in ports.items()}
    # Apart from the public routes, on loopback alone (METRICS_HOST's default): another address of this
    # machine is refused.
    for base in (app, notification):
        assert requests.get(f"{base}/metrics", timeout=10).status_code == 404
    for url in ports.values():
        with pytest.raises(requests.ConnectionError):
            requests.get(url.replace("127.0.0.1", "127.0.0.2"), timeout=10)
    # gunicorn's master answers for both workers: the API's count of event posts is the whole 20.
    api = scrapes["ingestion"]
    posts = value(api, "tyh_http_requests_total", route="/v1/events", method="POST")
    assert posts == 20
    assert value(api, "tyh_http_request_duration_seconds_count", route="/v1/events") == 20
    assert (
        value(api, "tyh_http_requests_total", route="(no route)")
        + value(api, "tyh_http_requests_total", status="401")
        >= 1
    )
    assert value(scrapes["notification"], "tyh_http_requests_total", route="/waitlist", method="POST") == 2
    assert value(scrapes["notification"], "tyh_http_requests_total", route="/metrics") == 0
    notifier = scrapes["notifier"]
    assert value(notifier, "tyh_task_runs_total", task="notification.send_email", outcome="done") >= 4
    assert value(notifier, "tyh_emails_total", outcome="sent") >= 4
    workers = scrapes["workers"]
    assert value(workers, "tyh_task_runs_total", task="summaries.recompute_person") >= 1
    assert value(workers, "tyh_summary_freshness_seconds_count") >= 1
    wait_for(
        lambda: value(scrape(ports["beat"]), "tyh_beat_sends_total", task="notification.sweep_outbox") >= 1,
        20,
        "beat",
    )
    scrapes["beat"] = beat = scrape(ports["beat"])
    assert {
        "tyh_queue_depth",
        "tyh_queue_oldest_age_seconds",
        "tyh_outbox_depth",
        "tyh_recompute_backlog",
        "tyh_waitlist_inbox_depth",
        "tyh_waitlist_inbox_oldest_age_seconds",
    } <= {s.name for s in beat}
    assert {s.labels["queue"] for s in beat if s.name == "tyh_queue_depth"} == set(ALL_QUEUES)
    assert value(beat, "tyh_state_read_errors") == 0

    # Every alert rule's own series (deploy/prometheus/alerts.yml) and every dashboard panel's is exported.
    exported = {HISTOGRAM_PARTS.sub("", s.name) for samples in scrapes.values() for s in samples}
    dashboard_series = {
        name
        for panel in json.loads(DASHBOARD.read_text())["panels"]
        for target in panel["targets"]
        for name in series_in(target["expr"])
    }
    ours = {name for name in alert_series() | dashboard_series if name.startswith("tyh_")}
    assert ours <= exported, f"used by alerts or the dashboard but exported by no process: {ours - exported}"

    allowed = allowed_labels(own)
    for process, samples in scrapes.items():
        for sample in samples:
            for label, label_value in sample.labels.items():
                rule = allowed.get(label)
                assert rule is not None, f"{process}: {sample.name} has an unexpected label {label}"
                ok = rule.match(label_value) if isinstance(rule, re.Pattern) else label_value in rule
                assert ok, f"{process}: {sample.name}{{{label}={label_value!r}}} is not an allowed value"
                assert not any(secret and secret in label_value for secret in secrets), (process, sample)
