"""Report requests and answers, and share links."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared import languages
from shared.languages import english as _
from shared.reports import BUILDING, DEFAULT_PAPER, FAILED, ON_DEMAND, PAPERS, QUEUED, READY, WEEKLY
from shared.single_line import SingleLine
from shared.web.openapi import StrictBoolean

MAX_PERIOD_DAYS = 93
MAX_SHARE_DAYS = 90
KINDS = (ON_DEMAND, WEEKLY)
SHARE_STATES = ("active", "expired", "revoked")


class ReportRequestSchema(Schema):
    period_start = fields.Date(metadata={"description": "first local day (default: 7 days ending yesterday)"})
    period_end = fields.Date(metadata={"description": "last local day, inclusive (default: yesterday)"})
    include_notes = StrictBoolean(
        load_default=False,
        metadata={"description": 'add notes tagged "questions for my doctor"'},
    )
    paper = fields.String(load_default=DEFAULT_PAPER, validate=validate.OneOf(PAPERS))
    # Optional, without a load default: the generated client then needs nothing new from the app.
    language = fields.String(
        validate=validate.OneOf(languages.LANGUAGES, error=languages.UNKNOWN),
        metadata={
            "description": "the language the report (its page, PDF and emails) is written in, for a doctor "
            "who reads another; default: the account's when the report is built"
        },
    )

    @validates_schema
    def _period(self, data, **_kwargs):
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            raise ValidationError(_("The period must not end before it starts."), "period_start")
        if start and end and (end - start).days >= MAX_PERIOD_DAYS:
            raise ValidationError(
                _("A report covers at most {days} days.").format(days=MAX_PERIOD_DAYS), "period_start"
            )


class ReportSchema(Schema):
    id = fields.String(required=True, attribute="_id")
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(required=True, validate=validate.OneOf([QUEUED, BUILDING, READY, FAILED]))
    reason = fields.String(allow_none=True, metadata={"description": "why it could not be made"})
    period_start = fields.String(required=True, metadata={"format": "date"})
    period_end = fields.String(required=True, metadata={"format": "date"})
    options = fields.Dict(required=True)
    language = fields.String(
        allow_none=True,
        validate=validate.OneOf(languages.LANGUAGES),
        metadata={
            "description": "the one asked for (null: the account's); once ready, the one it is written in"
        },
    )
    created_at = fields.DateTime(required=True)
    ready_at = fields.DateTime(allow_none=True)
    status_url = fields.String(required=True)
    pdf_url = fields.String(metadata={"description": "present once ready"})
    html_url = fields.String(metadata={"description": "present once ready"})
    detail = fields.String()


class ReportListSchema(Schema):
    reports = fields.List(fields.Nested(ReportSchema), required=True)


class ShareRequestSchema(Schema):
    expires_in_days = fields.Integer(load_default=14, validate=validate.Range(1, MAX_SHARE_DAYS))
    recipient = SingleLine(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=200),
        metadata={"description": "a reminder for you of who you gave it to; never contacted"},
    )


class OpenSchema(Schema):
    opened_at = fields.DateTime(required=True)
    what = fields.String(required=True, validate=validate.OneOf(["page", "pdf"]))


class ShareSchema(Schema):
    id = fields.String(required=True, attribute="_id")
    url = fields.String(
        required=True, allow_none=True, metadata={"description": "the link; null once it no longer works"}
    )
    recipient = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(SHARE_STATES))
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True)
    opens = fields.List(
        fields.Nested(OpenSchema), metadata={"description": "every time it was opened"}, required=True
    )


class ShareListSchema(Schema):
    shares = fields.List(fields.Nested(ShareSchema), required=True)
