"""Report requests and answers, and share links."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.reports import PAPERS
from shared.single_line import SingleLine

MAX_PERIOD_DAYS = 93
MAX_SHARE_DAYS = 90


class ReportRequestSchema(Schema):
    period_start = fields.Date(metadata={"description": "first local day (default: 7 days ending yesterday)"})
    period_end = fields.Date(metadata={"description": "last local day, inclusive (default: yesterday)"})
    include_notes = fields.Boolean(
        load_default=False, metadata={"description": 'add notes tagged "questions for my doctor"'}
    )
    paper = fields.String(load_default="A4", validate=validate.OneOf(PAPERS))

    @validates_schema
    def _period(self, data, **_kwargs):
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise ValidationError("The period must not end before it starts.", "period_start")
        if start and end and (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError(f"A report covers at most {MAX_PERIOD_DAYS} days.", "period_start")


class ReportSchema(Schema):
    id = fields.String(attribute="_id")
    kind = fields.String(metadata={"description": "on_demand or weekly"})
    status = fields.String(metadata={"description": "queued, building, ready or failed"})
    reason = fields.String(allow_none=True, metadata={"description": "why it could not be made"})
    period_start = fields.String()
    period_end = fields.String()
    options = fields.Dict()
    created_at = fields.DateTime()
    ready_at = fields.DateTime(allow_none=True)
    status_url = fields.String()
    pdf_url = fields.String(metadata={"description": "present once ready"})
    html_url = fields.String(metadata={"description": "present once ready"})
    detail = fields.String()


class ReportListSchema(Schema):
    reports = fields.List(fields.Nested(ReportSchema))


class ShareRequestSchema(Schema):
    expires_in_days = fields.Integer(load_default=14, validate=validate.Range(1, MAX_SHARE_DAYS))
    recipient = SingleLine(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "a reminder for you of who you gave it to; never contacted"},
    )


class OpenSchema(Schema):
    opened_at = fields.DateTime()
    what = fields.String(metadata={"description": "page or pdf"})


class ShareSchema(Schema):
    id = fields.String(attribute="_id")
    url = fields.String(metadata={"description": "the link; present while it works"})
    recipient = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "active, expired or revoked"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    opens = fields.List(fields.Nested(OpenSchema), metadata={"description": "every time it was opened"})


class ShareListSchema(Schema):
    shares = fields.List(fields.Nested(ShareSchema))
