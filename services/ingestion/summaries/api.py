"""GET /v1/summaries: the signed-in person's days, rolling means, windows and waves, doses and red flags."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.ingestion.accounts.auth import current_user, login_required
from services.ingestion.summaries import service
from shared import scales, users
from shared.languages import english as _
from shared.runtime import runtime_of
from shared.web.openapi import Blueprint, operation

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
            raise ValidationError(_("`from` must not be after `to`."), "from")
        if start and end and (end - start).days >= service.MAX_DAYS:
            message = _("Ask for at most {days} days at a time.")
            raise ValidationError(message.format(days=service.MAX_DAYS), "from")


class BaselineSchema(Schema):
    state = fields.String(
        required=True,
        validate=validate.OneOf(["no_data", "building", "ready"]),
        metadata={
            "description": "no_data: no day with a check-in or symptom rating yet; building: fewer logged "
            "days than a personal baseline needs, so no window or wave can be found yet; ready: there is one"
        },
    )
    logged_days = fields.Integer(
        required=True,
        metadata={"description": "logged days among the last 42 that the next day's baseline can read"},
    )
    needed_days = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "logged days a baseline needs (null before any summary was computed)"},
    )


class SymptomLegendSchema(Schema):
    code = fields.String(
        required=True, allow_none=True, metadata={"description": "catalogue code; null for a custom one"}
    )
    label = fields.String(required=True, allow_none=True)
    custom = fields.Boolean(required=True)
    red_flag = fields.Boolean(required=True)


class MedicationLegendSchema(Schema):
    medication = fields.String(
        required=True, allow_none=True, metadata={"description": "catalogue code; null if custom"}
    )
    label = fields.String(required=True, allow_none=True)
    diazepam_factor = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "approximate reference mg of diazepam per mg, for a clinician to confirm"},
    )
    factor_source = fields.String(
        required=True, allow_none=True, metadata={"description": "a key of `sources`"}
    )


class SourceSchema(Schema):
    title = fields.String(required=True)
    url = fields.String(required=True)


class ScaleSchema(Schema):
    min = fields.Integer(required=True)
    max = fields.Integer(required=True)
    min_label = fields.String(required=True, metadata={"description": "what `min` means, e.g. none"})
    max_label = fields.String(required=True, metadata={"description": "what `max` means, e.g. worst"})
    higher_is = fields.String(required=True, validate=validate.OneOf(["worse", "better"]))


class SummarySchema(Schema):
    class Meta:
        unknown = "include"

    from_ = fields.String(required=True, data_key="from", attribute="from", metadata={"format": "date"})
    to = fields.String(required=True, metadata={"format": "date"})
    first_day = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "format": "date",
            "description": "the person's first local day with an entry, whatever the range (null before "
            "any): where an 'all' view starts",
        },
    )
    computed_at = fields.DateTime(required=True, allow_none=True)
    pending_recompute = fields.Boolean(required=True)
    baseline = fields.Nested(
        BaselineSchema,
        required=True,
        allow_none=True,
        metadata={
            "description": "whether windows and waves can be found yet, and why not (null only for a "
            "summary computed before this field existed, until its next recompute)"
        },
    )
    symptoms = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Nested(SymptomLegendSchema),
        metadata={"description": "each symptom key used in `days` (its label, once)"},
    )
    medications = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Nested(MedicationLegendSchema),
        metadata={"description": "each medication key used in `days[].doses`"},
    )
    sources = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.Nested(SourceSchema),
        metadata={"description": "citations of the diazepam factors, by id"},
    )
    days = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "one per calendar day. `burden` and `check_in.overall`: "
            f"{scales.ends('burden')} (higher is worse); `check_in.mood`: {scales.ends('mood')} and "
            f"`check_in.sleep_quality`: {scales.ends('sleep_quality')} (higher is better, unlike overall); "
            "`symptoms` (keys of the top-level `symptoms`): the day's max and mean severity, "
            f"{scales.ends('severity')}, and count; `doses` (keys of `medications`): total_mg, taken, "
            "skipped, diazepam_eq_mg; `rolling`: 7- and 28-day means; `state`: wave, window, neutral, or "
            "null (no data that day, or no baseline yet: see `baseline`)"
        },
    )
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
    scales = fields.Dict(
        required=True,
        keys=fields.String(validate=validate.OneOf(sorted(scales.SCALES))),
        values=fields.Nested(ScaleSchema),
        metadata={
            "description": "each rating scale with the words at both ends and whether higher is worse or "
            "better: they run in opposite directions"
        },
    )
    red_flags = fields.List(
        fields.Dict(), required=True, metadata={"description": "red flags in the range, verbatim, by day"}
    )
    status = fields.Dict(required=True, allow_none=True)


@blp.route("", methods=["GET"])
@login_required
@operation("getSummaries")
@blp.arguments(SummaryQuerySchema, location="query")
@blp.response(200, SummarySchema)
def get_summaries(query):
    """Chart-ready series for a range of local days. Windows and waves have no clinical definition."""
    user = current_user()
    today = users.local_today(user).isoformat()
    start, end = query.get("from_"), query.get("to")
    return service.summaries(
        runtime_of().settings,
        user["_id"],
        today,
        start.isoformat() if start else None,
        end.isoformat() if end else None,
    )
