"""A notification app with a real worker behind it; each test ends with its emails delivered."""

from __future__ import annotations

import time

import pytest

from shared.mongo import mongo

FINAL = ("sent", "failed", "suppressed")


@pytest.fixture
def live_app(notification_app, notification_worker, mailbox, redis):
    yield notification_app
    # Let every email this test asked for go out now, so none lands in the next test's mailbox.
    deadline = time.monotonic() + 15
    while mongo.db.email_outbox.count_documents({"status": {"$nin": list(FINAL)}}):
        assert time.monotonic() < deadline, "emails still pending at the end of the test"
        time.sleep(0.05)
