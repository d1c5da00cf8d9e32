"""A flood of report builds never delays summaries or scheduled scans: real worker processes, started with
the queues deploy/Procfile gives them, behind the real API, Redis and FerretDB.

Nothing here is timed: the summary and the scan must be done while report builds are still waiting in their
own queue, which cannot happen when the same workers take both.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib

from services.ingestion.accounts import service as accounts
from services.workers.summaries import params as summary_params
from shared.queue import enqueue
from shared.reports import BUILDING, READY, request_report
from shared.tasks import (
    BUILD_REPORT,
    CONTRACTS,
    QUEUE_REPORTS,
    RECOMPUTE_PERSON,
    SCAN_SCHEDULES,
)
from tests.factories.accounts import person
from tests.support.report_patients import generate_for_report, store
from tests.support.runtimes import celery_for, ingestion_app
from tests.support.servers import celery_worker, child_env
from tests.test_deploy_files import expected_commands, option

FLOOD = 30  # reports of 93 days each, as in the attack that starved summaries
FLOOD_BROKER_DB = 3


def procfile_queues(process: str) -> tuple[str, ...]:
    return tuple(option(expected_commands()[process], "-Q").split(","))


def ran(process) -> set[str]:
    """The task names a worker process logged a run of."""
    lines = (json.loads(line) for line in process.output().splitlines() if line.startswith("{"))
    return {line["task"] for line in lines if line.get("msg") == "task done" and "task" in line}


def wait_until(predicate, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.1)


def test_report_builds_and_everything_else_have_separate_queues_and_workers():
    summaries_side = set(procfile_queues("workers"))
    reports_side = set(procfile_queues("reports"))
    assert not summaries_side & reports_side
    for contract in CONTRACTS:
        if contract.queue == QUEUE_REPORTS:
            assert contract.name in {BUILD_REPORT.name, "exports.build_export"}, contract.name
    assert RECOMPUTE_PERSON.queue in summaries_side and SCAN_SCHEDULES.queue in summaries_side
    assert BUILD_REPORT.queue in reports_side


@pytest.fixture
def workers(settings, redis_server, db, redis, tmp_path):
    """The `workers` and `reports` processes as deploy/Procfile runs them, on a broker of their own."""
    own = dataclasses.replace(
        settings, environment="development", log_level="INFO", broker_url=redis_server.url(FLOOD_BROKER_DB)
    )
    broker = redis_lib.Redis.from_url(own.broker_url)
    broker.flushdb()
    env = child_env(own.as_env())
    processes = {
        name: celery_worker("services.workers.worker", procfile_queues(name), env, tmp_path / f"{name}.log")
        for name in ("workers", "reports")
    }
    for process in processes.values():
        process.start()
    try:
        yield own, broker, processes
    finally:
        for process in processes.values():
            process.kill()  # mid-build: nothing it was doing is needed any more
        broker.flushdb()


def test_a_burst_of_reports_does_not_delay_a_summary_or_a_scheduled_scan(workers, settings, db):
    own, broker, processes = workers
    producer = celery_for("flood", own)

    # Someone with 100 days of history, and FLOOD reports of 93 days asked for at once.
    flooder, _headers = person()
    today = datetime.now(UTC).date()
    patient = generate_for_report(21, days=100, end=today - timedelta(days=1))
    store(
        db,
        flooder["_id"],
        patient,
        keys=settings.encryption_keys,
        today=today.isoformat(),
        params=summary_params.load(),
    )
    start, end = (today - timedelta(days=93)).isoformat(), (today - timedelta(days=1)).isoformat()
    flood = [
        request_report(
            producer,
            user_id=flooder["_id"],
            period_start=start,
            period_end=end,
            kind="weekly",  # deterministic ids: the one-in-flight rule is for the API, not this burst
            report_id=f"weekly:{flooder['_id']}:flood-{n}",
        )[0]["_id"]
        for n in range(FLOOD)
    ]
    building = {"status": {"$in": [BUILDING, READY]}, "_id": {"$in": flood}}
    wait_until(lambda: db.reports.count_documents(building) > 0, "the reports worker starts on the flood")

    # Someone else logs a check-in, and has reminders on for the scan to schedule.
    other, headers = person()
    accounts.update_profile(other["_id"], {"preferences": {"reminders": {"enabled": True}}})
    event = {
        "event_id": uuid.uuid4().hex,
        "type": "check_in",
        "overall": 6,
        "occurred_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    assert ingestion_app(own).test_client().post("/v1/events", json=event, headers=headers).status_code == 202
    enqueue(producer, SCAN_SCHEDULES)

    wait_until(lambda: db.person_summaries.find_one({"_id": other["_id"]}), "the other person's summary")
    wait_until(lambda: db.schedules.find_one({"user_id": other["_id"]}), "the scheduled scan")

    # Both were done while the flood still waited in its own queue.
    assert broker.llen(QUEUE_REPORTS) > 0
    assert db.reports.count_documents({"_id": {"$in": flood}, "status": READY}) < FLOOD

    # And each process ran only its own kind of work.
    wait_until(lambda: BUILD_REPORT.name in ran(processes["reports"]), "a report built by the reports worker")
    assert ran(processes["reports"]) <= {BUILD_REPORT.name}
    assert {RECOMPUTE_PERSON.name, SCAN_SCHEDULES.name} <= ran(processes["workers"])
    assert BUILD_REPORT.name not in ran(processes["workers"])
