"""The attachments contract: producers name stored files; malformed references never reach the outbox."""

import pytest
from marshmallow import ValidationError

from shared.email import request_email
from tests.support.runtimes import celery_for


@pytest.mark.parametrize(
    "attachment",
    [
        {"bucket": "reports", "file_id": "x", "filename": "../etc/passwd", "content_type": "application/pdf"},
        {"bucket": "reports", "file_id": "x", "filename": "a.pdf", "content_type": "pdf"},
        {"bucket": "reports", "filename": "a.pdf", "content_type": "application/pdf"},
    ],
)
def test_a_malformed_attachment_is_refused_before_anything_is_stored(db, settings, attachment):
    with pytest.raises(ValidationError):
        request_email(
            celery_for("producer", settings),
            template="weekly_report",
            to="someone@example.org",
            idempotency_key="attachments-test",
            data={"attachments": [attachment]},
        )
    assert db.email_outbox.count_documents({}) == 0
