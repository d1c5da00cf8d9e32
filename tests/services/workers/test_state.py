"""Beat's state gauges read the stores at each scrape: the waitlist's inbox by state, with no address in any
label."""

from __future__ import annotations

import time

from services.workers import state
from shared import waitlist_inbox
from shared.runtime import runtime_of


def _gauges(settings) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in state.collector(settings).collect()
        for sample in family.samples
    }


def _inbox(settings, name: str) -> dict[str, float]:
    gauges = _gauges(settings)
    assert gauges[("tyh_state_read_errors", ())] == 0
    return {state: gauges[(name, (("state", state),))] for state in ("waiting", "taken")}


def test_the_inbox_gauges_report_sign_ups_waiting_and_taken_and_how_long_they_have_waited(
    db, redis, settings, notification_app
):
    redis.set(waitlist_inbox.SCHEDULED, 1)  # a storing run is queued already: the appends send none
    celery = runtime_of(notification_app).celery
    for n in range(3):
        waitlist_inbox.put(
            celery, {"signup": {"email": f"gauge.{n}@example.org", "consent": True}, "ip": "1.2.3.4"}
        )
    assert _inbox(settings, "tyh_waitlist_inbox_depth") == {"waiting": 3, "taken": 0}
    assert 0 <= _inbox(settings, "tyh_waitlist_inbox_oldest_age_seconds")["waiting"] < 60

    assert len(waitlist_inbox.take("a-run", 2)) == 2  # a run storing two of them
    redis.set(waitlist_inbox.WAITING_SINCE, time.time() - 3600)  # as if the first had come an hour ago
    assert _inbox(settings, "tyh_waitlist_inbox_depth") == {"waiting": 1, "taken": 2}
    ages = _inbox(settings, "tyh_waitlist_inbox_oldest_age_seconds")
    assert 3600 <= ages["waiting"] < 3660 and 0 <= ages["taken"] < 60
    labels = {value for _, labels in _gauges(settings) for _, value in labels}
    assert not any("@" in value or "a-run" in value for value in labels)

    waitlist_inbox.done("a-run")
    assert len(waitlist_inbox.take("a-run", 100)) == 1  # the inbox is empty again
    waitlist_inbox.done("a-run")
    assert _inbox(settings, "tyh_waitlist_inbox_depth") == {"waiting": 0, "taken": 0}
    assert _inbox(settings, "tyh_waitlist_inbox_oldest_age_seconds") == {"waiting": 0, "taken": 0}
    redis.delete(waitlist_inbox.SCHEDULED)  # no run was queued after all
