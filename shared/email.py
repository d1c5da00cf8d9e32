"""The email contract: how any service asks the notification service to send one email.

A producer calls `request_email`. It writes the outbox record first (shared/outbox.py; so a message lost
by the broker is found by the notification service's sweeper) and then sends `notification.send_email`
with the record's id only: what the email says never travels through the broker or reaches a task log
line. The record's id is a keyed hash of the idempotency key (opaque in logs, yet the same for the same
logical message), so asking twice for the same message sends it once.

What a record keeps readable decides who may see it. Waitlist mail (WAITLIST_TEMPLATES) is what admins
manage: its template name is stored in the clear. Every other email is account mail: its template name is
encrypted with ENCRYPTION_KEYS, so no admin view (nor anyone reading the collection) learns that a person
got, say, a safety message. The template data (codes, links, names) is always encrypted, and removed
once the email is sent: nothing needs it again.

`language` is the person's (shared.languages) where the email goes to a person with an account: the
record keeps it and the notification service renders in it, where that email has been translated.

`data` may carry `attachments`: [{"bucket", "file_id", "filename", "content_type"}], files the producer
stored in GridFS (shared.files) under a string id; the notification service attaches them when it
sends, and an attachment that is gone by then fails that email permanently.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from marshmallow import Schema, fields, validate

from shared import crypto, languages, outbox
from shared.address import EmailAddress, one_form
from shared.queue import enqueue
from shared.settings import Settings
from shared.tasks import SEND_EMAIL

# Categories decide which unsubscribe applies: transactional mail (sign-in codes, confirmations,
# invitations, security and safety messages) is never blocked by an opt-out from the others.
TRANSACTIONAL = "transactional"
REMINDERS = "reminders"
REPORTS = "reports"
NEWS = "news"

WAITLIST_TEMPLATES = frozenset({"waitlist_confirm", "waitlist_confirmed", "invitation"})
# Time-critical mail (the transactional category in services/notification/email/templates.py, which a test
# holds to this list): someone is waiting for it, so a lost attempt is retried within seconds, not minutes.
TIME_CRITICAL_TEMPLATES = frozenset(
    {
        "waitlist_confirm",
        "waitlist_confirmed",
        "sign_in_code",
        "safety_message",
        "invitation",
        "account_erased",
    }
)


def lease_seconds(settings: Settings, template: str) -> int:
    """How long one attempt at sending this email may hold it; the sweeper takes it over after that."""
    short = settings.outbox_lease_seconds
    return short if template in TIME_CRITICAL_TEMPLATES else short * SLOW_LEASE_FACTOR


SLOW_LEASE_FACTOR = 8  # other mail (reports with attachments) may take longer to hand over


class AttachmentSchema(Schema):
    bucket = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,63}$"))
    file_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    filename = fields.String(required=True, validate=validate.Regexp(r"^[\w][\w .()-]{0,150}$"))
    content_type = fields.String(required=True, validate=validate.Regexp(r"^[a-z]+/[a-z0-9.+-]+$"))


class EmailRequest(Schema):
    """One logical email as a producer asks for it: which template, to whom, with what data, under which
    idempotency key. It is stored in the outbox record, never sent as a task."""

    template = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,64}$"))
    to = EmailAddress(required=True)
    data = fields.Dict(keys=fields.String(), load_default=dict)
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=200))
    user_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    language = fields.String(load_default=languages.DEFAULT, validate=validate.OneOf(languages.LANGUAGES))


def address_key(address: str) -> str:
    """How suppressions, opt-outs and history find an address: the exact mailbox, case-insensitively, with an
    internationalised domain in one form (a bounce names the ASCII form we sent to; the person gave ours)."""
    return one_form(address.strip().lower())


def outbox_id(settings: Settings, idempotency_key: str) -> str:
    """The record id for an idempotency key: stable, and saying nothing of the key (which may name a
    person and a day)."""
    digest = hmac.new(settings.secret_key.encode(), f"outbox:{idempotency_key}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def audience_of(template: str) -> str:
    return outbox.WAITLIST if template in WAITLIST_TEMPLATES else outbox.ACCOUNT


def new_outbox_record(
    settings: Settings, request: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The outbox document for a validated request, before any attempt."""
    now = now or datetime.now(UTC)
    template, audience = request["template"], audience_of(request["template"])
    keys = settings.encryption_keys
    return {
        "_id": outbox_id(settings, request["idempotency_key"]),
        "audience": audience,
        "template": template if audience == outbox.WAITLIST else crypto.encrypt(keys, template),
        "to": request["to"],
        "to_key": address_key(request["to"]),
        "data": crypto.encrypt(keys, json.dumps(request["data"])),
        "user_id": request.get("user_id"),
        "language": request.get("language", languages.DEFAULT),
        "status": outbox.QUEUED,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
        # The sweeper re-sends it if no attempt has taken it by then (its task was lost with Redis).
        "sweep_after": now + timedelta(seconds=lease_seconds(settings, template)),
        "history": [{"at": now, "status": outbox.QUEUED}],
    }


def request_email(
    celery_app: Celery,
    *,
    template: str,
    to: str,
    idempotency_key: str,
    data: dict[str, Any] | None = None,
    user_id: str | None = None,
    language: str | None = None,
) -> bool:
    """Record and enqueue one email; False when this idempotency key was already requested."""
    request = {
        "template": template,
        "to": to,
        "data": data,
        "idempotency_key": idempotency_key,
        "user_id": user_id,
        "language": language,
    }
    return request_emails(celery_app, [request])[0]


def request_emails(celery_app: Celery, requests: list[dict[str, Any]]) -> list[bool]:
    """`request_email` for several emails, recorded in one write (a batch of sign-ups); for each, False when
    its idempotency key was already requested."""
    records = [new_outbox_record(celery_app.runtime.settings, _load(request)) for request in requests]
    if not records:
        return []
    refused = outbox.insert_new(records)
    for position, record in enumerate(records):
        if position not in refused:
            enqueue(celery_app, SEND_EMAIL, outbox_id=record["_id"])
    return [position not in refused for position in range(len(records))]


def _load(request: dict[str, Any]) -> dict[str, Any]:
    data = request.get("data")
    if data and data.get("attachments"):
        data = data | {"attachments": AttachmentSchema(many=True).load(data["attachments"])}
    return EmailRequest().load(
        {
            "template": request["template"],
            "to": request["to"],
            "data": data or {},
            "idempotency_key": request["idempotency_key"],
            "user_id": request.get("user_id"),
            "language": request.get("language") or languages.DEFAULT,
        }
    )


def template_of(keys: str, record: dict[str, Any]) -> str:
    """A record's template name, decrypted for account mail (`keys`: ENCRYPTION_KEYS)."""
    stored = record["template"]
    return crypto.decrypt(keys, stored) if stored.startswith(crypto.PREFIX) else stored


def language_of(record: dict[str, Any]) -> str:
    """The language a record was asked for in (one written before records kept it: the default)."""
    return record.get("language") or languages.DEFAULT


def data_of(keys: str, record: dict[str, Any]) -> dict[str, Any] | None:
    """A record's template data; None once it was sent (the data is gone by then)."""
    stored = record.get("data")
    if stored is None or isinstance(stored, dict):
        return stored  # gone once sent; a dict is a record written before data was encrypted
    return json.loads(crypto.decrypt(keys, stored))
