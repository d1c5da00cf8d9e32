"""Shapes of the email endpoints' input."""

from marshmallow import Schema, fields, validate

from shared.address import EmailAddress
from shared.web.openapi import offset_date_time


class ProviderEventSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["bounce", "complaint"]))
    email = EmailAddress(required=True)
    bounce_type = fields.String(load_default=None, validate=validate.OneOf(["hard", "soft"]))
    detail = fields.String(load_default="", validate=validate.Length(max=2000))
    occurred_at = offset_date_time(load_default=None)


class ProviderEventsSchema(Schema):
    events = fields.List(
        fields.Nested(ProviderEventSchema), required=True, validate=validate.Length(min=1, max=500)
    )


class ProviderEventsResultSchema(Schema):
    recorded = fields.Integer(required=True)
    suppressed = fields.Integer(required=True)
