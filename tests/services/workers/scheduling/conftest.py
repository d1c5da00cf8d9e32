"""A clock the tests set, people with preferences, and a producer app whose broker no worker reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
import redis as redis_lib

from services.ingestion.accounts import service as accounts
from services.workers.reports import schedule
from tests.factories.accounts import person
from tests.support.runtimes import celery_for

QUIET_BROKER_DB = 13  # nothing consumes it: tasks the scan sends just wait there


@pytest.fixture
def quiet_app(settings, redis_server, db):
    """Celery app for scans whose tasks must not run (only what they store is checked)."""
    own = dataclasses.replace(settings, broker_url=redis_server.url(QUIET_BROKER_DB))
    redis_lib.Redis.from_url(own.broker_url).flushdb()
    return celery_for("scan-tests", own)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def someone(time_zone: str, **preferences) -> dict:
    """A person with the given preference groups, set the way PATCH /v1/me sets them."""
    user, _headers = person(time_zone=time_zone)
    return accounts.update_profile(user["_id"], {"preferences": preferences}) if preferences else user


def scan(app, now: datetime) -> dict:
    return schedule.scan(app, app.runtime.settings, now=now)
