"""The email contract: how any service asks the notification service to send one email.

A producer calls `request_email`. It writes the outbox record first (so a message lost by the broker is
found by the notification service's sweeper) and then sends `notification.send_email` by name. The
idempotency key is held by a unique index: asking twice for the same logical message sends it once.

`data` may carry `attachments`: [{"bucket", "file_id", "filename", "content_type"}], files the producer
stored in GridFS (shared.files) under a string id; the notification service attaches them when it
sends, and an attachment that is gone by then fails that email permanently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from celery import Celery
from marshmallow import Schema, fields, validate
from pymongo.errors import DuplicateKeyError

from shared.mongo import mongo
from shared.queue import enqueue
from shared.tasks import SEND_EMAIL, SendEmailPayload

OUTBOX = "email_outbox"

# Categories decide which unsubscribe applies: transactional mail (sign-in codes, confirmations,
# invitations, security and safety messages) is never blocked by an opt-out from the others.
TRANSACTIONAL = "transactional"
REMINDERS = "reminders"
REPORTS = "reports"
NEWS = "news"
CATEGORIES = (TRANSACTIONAL, REMINDERS, REPORTS, NEWS)
OPTIONAL_CATEGORIES = (REMINDERS, REPORTS, NEWS)

# Outbox states: queued -> sending -> sent | failed | suppressed.
QUEUED, SENDING, SENT, FAILED, SUPPRESSED = "queued", "sending", "sent", "failed", "suppressed"


class AttachmentSchema(Schema):
    bucket = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    file_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filename = fields.String(required=True, validate=validate.Regexp(r"^[\w][\w .()-]{0,150}$"))
    content_type = fields.String(required=True, validate=validate.Regexp(r"^[a-z]+/[a-z0-9.+-]+$"))


def address_key(address: str) -> str:
    """How suppressions, opt-outs and history find an address: the exact mailbox, case-insensitively."""
    return address.strip().lower()


def new_outbox_record(payload: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The outbox document for a validated payload, before any attempt."""
    now = now or datetime.now(UTC)
    return {
        "_id": payload["idempotency_key"],
        "template": payload["template"],
        "to": payload["to"],
        "to_key": address_key(payload["to"]),
        "data": payload["data"],
        "user_id": payload.get("user_id"),
        "status": QUEUED,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        "history": [{"at": now, "status": QUEUED}],
    }


def request_email(
    celery_app: Celery,
    *,
    template: str,
    to: str,
    idempotency_key: str,
    data: dict[str, Any] | None = None,
    user_id: str | None = None,
) -> bool:
    """Record and enqueue one email; False when this idempotency key was already requested."""
    if data and data.get("attachments"):
        data = data | {"attachments": AttachmentSchema(many=True).load(data["attachments"])}
    payload = SendEmailPayload().load(
        {
            "template": template,
            "to": to,
            "data": data or {},
            "idempotency_key": idempotency_key,
            "user_id": user_id,
        }
    )
    try:
        mongo.db[OUTBOX].insert_one(new_outbox_record(payload))
    except DuplicateKeyError:
        return False
    enqueue(celery_app, SEND_EMAIL, **payload)
    return True
