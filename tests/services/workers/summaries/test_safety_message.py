"""The safety email's limits: one for a sync that brings red flags from several recent days, none for
old days, never twice for the same day; recent means what the status counts as recent."""

import dataclasses

import redis as redis_lib

from services.workers.summaries import params, service
from shared.email import outbox_id
from tests.factories.accounts import person
from tests.support.runtimes import celery_for

QUIET_BROKER_DB = 13  # nothing consumes it


def test_one_email_for_several_recent_flagged_days_and_none_for_old_ones(db, settings, redis_server):
    own = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
    redis_lib.Redis.from_url(own.broker_url).flushdb()
    app = celery_for("safety-tests", own)
    user, _ = person()
    current = params.current(settings.summary_parameters_file)
    flagged = {"red_flags": [{"code": "seizure"}]}
    fresh = {"2026-11-24": flagged, "2026-11-25": flagged, "2026-11-26": flagged, "2026-11-23": flagged}
    assert service.queue_safety_messages(app, user, fresh, "2026-11-26", current) == 1
    assert service.queue_safety_messages(app, user, fresh, "2026-11-26", current) == 0
    # A late entry for the 25th recomputes the days from there on: nothing more is sent.
    later = {"2026-11-25": flagged, "2026-11-26": flagged}
    assert service.queue_safety_messages(app, user, later, "2026-11-26", current) == 0
    # Red flags only from days older than the limit are history, not an email.
    assert service.queue_safety_messages(app, user, {"2026-11-01": flagged}, "2026-11-26", current) == 0
    # A flag the status shows as recent (5 days old, synced late) gets its email: one rule for both.
    assert service.queue_safety_messages(app, user, {"2026-11-21": flagged}, "2026-11-26", current) == 1
    assert sorted(r["_id"] for r in db.email_outbox.find({})) == sorted(
        outbox_id(settings, f"safety:{user['_id']}:{day}") for day in ("2026-11-26", "2026-11-21")
    )
