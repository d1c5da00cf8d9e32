"""How many reports a person can have built: one in flight at a time, a few an hour.

The API runs with a broker no worker reads, so a report stays queued until the test builds it with the
workers' own code: nothing here depends on how fast a worker is.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib

from services.ingestion.limits import REPORTS_PER_PERSON
from services.workers.reports import service as builder
from shared import reports
from shared.reports import RESEND_AFTER
from shared.tasks import QUEUE_REPORTS
from tests.factories.accounts import person
from tests.support.runtimes import ingestion_app

QUIET_BROKER_DB = 13  # nothing consumes it: build tasks just wait there

IN_FLIGHT_TYPE = "https://trackyourhealing.org/problems/report-in-flight"


@pytest.fixture
def quiet(settings, redis_server, db, redis):
    """(API client, settings, broker) for an API whose build tasks no worker takes."""
    own = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
    broker = redis_lib.Redis.from_url(own.broker_url)
    broker.flushdb()
    yield ingestion_app(own).test_client(), own, broker
    broker.flushdb()


def week(weeks_ago: int) -> dict:
    end = datetime.now(UTC).date() - timedelta(days=1 + 7 * weeks_ago)
    return {"period_start": (end - timedelta(days=6)).isoformat(), "period_end": end.isoformat()}


class TestOneInFlight:
    def test_a_second_report_while_one_is_being_prepared_is_409_naming_it(self, quiet, db):
        client, own, broker = quiet
        user, headers = person()
        first = client.post("/v1/reports", json=week(0), headers=headers)
        assert first.status_code == 202

        second = client.post("/v1/reports", json=week(1), headers=headers)
        assert second.status_code == 409
        assert second.mimetype == "application/problem+json"
        assert second.json["type"] == IN_FLIGHT_TYPE
        assert second.json["report_id"] == first.json["id"]
        assert second.json["status_url"] == first.json["status_url"] == second.headers["Location"]
        assert db.reports.count_documents({"user_id": user["_id"]}) == 1
        assert broker.llen(QUEUE_REPORTS) == 1  # one build asked of the workers, not two

        # Once it is built (by the workers' own code), the next one is taken.
        assert builder.build(first.json["id"], own)["status"] == "ready"
        third = client.post("/v1/reports", json=week(1), headers=headers)
        assert third.status_code == 202 and third.json["id"] != first.json["id"]

    def test_a_failed_report_frees_the_place_too(self, quiet):
        client, _own, _broker = quiet
        _user, headers = person()
        first = client.post("/v1/reports", json=week(0), headers=headers).json
        reports.mark_failed(first["id"], "could not be drawn", datetime.now(UTC))
        assert client.post("/v1/reports", json=week(0), headers=headers).status_code == 202

    def test_concurrent_requests_get_exactly_one_report(self, quiet, db):
        client, _own, broker = quiet
        user, headers = person()
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(lambda n: client.post("/v1/reports", json=week(n), headers=headers), range(8))
            )
        accepted = [a for a in answers if a.status_code == 202]
        assert len(accepted) == 1
        refused = [a for a in answers if a.status_code == 409]
        assert len(refused) == 7
        assert {a.json["report_id"] for a in refused} == {accepted[0].json["id"]}
        assert db.reports.count_documents({"user_id": user["_id"]}) == 1
        assert broker.llen(QUEUE_REPORTS) == 1

    def test_one_persons_report_in_flight_does_not_hold_up_anothers(self, quiet):
        client, _own, _broker = quiet
        _ann, ann = person()
        _bob, bob = person()
        assert client.post("/v1/reports", json=week(0), headers=ann).status_code == 202
        assert client.post("/v1/reports", json=week(0), headers=bob).status_code == 202

    @pytest.mark.parametrize("lost_while", ["queued", "building"])
    def test_a_report_whose_task_was_lost_is_sent_again_when_the_person_asks(self, quiet, db, lost_while):
        client, own, broker = quiet
        _user, headers = person()
        first = client.post("/v1/reports", json=week(0), headers=headers).json
        broker.delete(QUEUE_REPORTS)  # the broker lost the task, or the worker died with it
        long_ago = datetime.now(UTC) - RESEND_AFTER - timedelta(seconds=1)
        db.reports.update_one({"_id": first["id"]}, {"$set": {"updated_at": long_ago, "status": lost_while}})

        assert client.post("/v1/reports", json=week(0), headers=headers).status_code == 409
        assert broker.llen(QUEUE_REPORTS) == 1  # its build was asked for again
        assert client.post("/v1/reports", json=week(0), headers=headers).status_code == 409
        assert broker.llen(QUEUE_REPORTS) == 1  # and only once per RESEND_AFTER
        # The task sent again builds it (a dead claim does not stand in its way).
        assert builder.build(first["id"], own)["status"] == "ready"


class TestRateLimit:
    def test_a_few_reports_an_hour_then_429_with_retry_after(self, quiet):
        client, _own, _broker = quiet
        _user, headers = person()
        for n in range(REPORTS_PER_PERSON.limit):
            answer = client.post("/v1/reports", json=week(n % 4), headers=headers)
            assert answer.status_code == 202, (n, answer.json)
            # Asking again while it is being prepared is refused without using up the allowance.
            assert client.post("/v1/reports", json=week(0), headers=headers).status_code == 409
            reports.mark_ready(answer.json["id"], {}, datetime.now(UTC))

        refused = client.post("/v1/reports", json=week(0), headers=headers)
        assert refused.status_code == 429
        assert refused.mimetype == "application/problem+json"
        assert 0 < int(refused.headers["Retry-After"]) <= REPORTS_PER_PERSON.window_s

        # Counted per person: someone else is not affected.
        _other, other_headers = person()
        assert client.post("/v1/reports", json=week(0), headers=other_headers).status_code == 202
