"""A dose confirmation as sent and answered."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

STATUSES = ("taken", "skipped")


class ConfirmSchema(Schema):
    class Meta:
        unknown = RAISE

    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "a dose's token from GET /v1/plan, a notification or an email"},
    )
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class ConfirmedSchema(Schema):
    event_id = fields.String(required=True, metadata={"description": "the dose event it is recorded as"})
    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "as recorded: a later tap with the other status does not change it"},
    )
    day = fields.String(required=True, metadata={"format": "date", "description": "the dose's local day"})
    time = fields.String(required=True, metadata={"description": "the dose's local time, HH:MM"})
    medication = fields.String(required=True)
    mg = fields.Float(required=True)
