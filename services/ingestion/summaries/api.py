"""GET /v1/summaries: the signed-in person's days, rolling means, windows and waves, doses and red flags."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validates_schema

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.summaries import service
from shared.web.openapi import Blueprint, operation
from shared.web.service import settings_of

blp = Blueprint("summaries", __name__, url_prefix="/v1/summaries", description="Rolling summaries for charts")


class SummaryQuerySchema(Schema):
    from_ = fields.Date(
        data_key="from", metadata={"description": "first local day (default: 27 days before `to`)"}
    )
    to = fields.Date(metadata={"description": "last local day (default: today)"})

    @validates_schema
    def _range(self, data, **_kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise ValidationError("`from` must not be after `to`.", "from")
        if start and end and (end - start).days >= service.MAX_DAYS:
            raise ValidationError(f"Ask for at most {service.MAX_DAYS} days at a time.", "from")


class SummarySchema(Schema):
    class Meta:
        unknown = "include"

    from_ = fields.String(required=True, data_key="from", attribute="from", metadata={"format": "date"})
    to = fields.String(required=True, metadata={"format": "date"})
    computed_at = fields.DateTime(required=True, allow_none=True)
    pending_recompute = fields.Boolean(required=True)
    days = fields.List(fields.Dict(), required=True)
    episodes = fields.List(
        fields.Dict(), required=True, metadata={"description": "windows and waves (no clinical definition)"}
    )
    episodes_note = fields.String(required=True, allow_none=True)
    dose_unit = fields.String(required=True, allow_none=True)
    dose_timeline = fields.List(fields.Dict(), required=True)
    steps = fields.List(fields.Dict(), required=True)
    start_dose = fields.Float(required=True, allow_none=True)
    current_dose = fields.Float(required=True, allow_none=True)
    guideline = fields.Dict(required=True, allow_none=True)
    red_flags = fields.List(fields.Dict(), required=True)
    status = fields.Dict(required=True, allow_none=True)


@blp.route("", methods=["GET"])
@login_required
@operation("getSummaries")
@blp.arguments(SummaryQuerySchema, location="query")
@blp.response(200, SummarySchema)
def get_summaries(query):
    """Chart-ready series for a range of local days. Windows and waves have no clinical definition."""
    user = current_user()
    today = datetime.now(UTC).astimezone(ZoneInfo(user["time_zone"])).date().isoformat()
    start, end = query.get("from_"), query.get("to")
    return service.summaries(
        settings_of(),
        user["_id"],
        today,
        start.isoformat() if start else None,
        end.isoformat() if end else None,
    )
