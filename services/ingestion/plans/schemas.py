"""The taper plan as a person enters it, and the API's answers. Shape and per-field rules here (400/422);
the rule that needs the database (which version is current) is the service's."""

from __future__ import annotations

import itertools
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from shared import catalog
from shared.languages import english as _
from shared.plans import doses, schedule
from shared.web.openapi import required_when

CODE = validate.Regexp(
    r"^[a-z][a-z0-9_]{0,63}$", error=_("Use a catalogue code (lowercase letters, digits, _).")
)
MAX_MG = 2000
# Plans are about now: dates far outside this are typing slips, and the schedule's arithmetic stays bounded.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
DAY = validate.Range(FIRST_DAY, LAST_DAY, error=_("Use a day from {min} to {max}."))
METHODS = ("percent", "fixed_mg", "micro")
FORMS = ("tablet", "liquid", "other")
MAX_MEDICATIONS = 3
MAX_HOLDS = 50
MICRO_MAX_INTERVAL = 7
MAX_SCHEDULE_DAYS = 366


class Day(fields.Date):
    """A local day, YYYY-MM-DD; stored as that text, which it also dumps."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


def _positive(maximum: float) -> validate.Range:
    return validate.Range(min=0, max=maximum, min_inclusive=False)


class PlanMedicationSchema(Schema):
    class Meta:
        unknown = RAISE
        # One if/then is what the document carries (Redocly's lint misreads several under allOf, and an
        # example meeting one, so the operation's example is a fixed_mg plan); the other pairings are in
        # the fields' descriptions, and the server refuses each with 422.
        openapi = required_when("method", "percent", "step_percent", "number")

    medication = fields.String(
        required=True, validate=CODE, metadata={"description": "a code from GET /v1/catalog/medications"}
    )
    form = fields.String(required=True, validate=validate.OneOf(FORMS))
    tablet_strength_mg = fields.Float(
        validate=_positive(100), metadata={"description": "one tablet's mg (required for a tablet)"}
    )
    tablet_pieces = fields.Integer(
        load_default=1,
        validate=validate.OneOf([1, 2, 4, 8]),
        metadata={"description": "the smallest piece measured: 1 whole, 2 halves, 4 quarters, 8 eighths"},
    )
    concentration_mg_per_ml = fields.Float(
        validate=_positive(1000), metadata={"description": "mg per mL (required for a liquid)"}
    )
    measure_ml = fields.Float(
        load_default=0.1,
        validate=validate.Range(min=0.01, max=10),
        metadata={"description": "the smallest volume measured (a liquid), in mL"},
    )
    resolution_mg = fields.Float(
        validate=_positive(100),
        metadata={"description": "the smallest amount measured (another form, e.g. on a scale), in mg"},
    )
    start_day = Day(
        validate=DAY, metadata={"description": "when this medication starts (default: the plan's)"}
    )
    start_mg = fields.Float(required=True, validate=validate.Range(0, MAX_MG))
    method = fields.String(
        required=True,
        validate=validate.OneOf(METHODS),
        metadata={
            "description": "percent: step_percent of the current dose; fixed_mg: step_mg at a time; "
            "micro: step_mg every day or few days (liquid titration or a scale)"
        },
    )
    step_percent = fields.Float(validate=validate.Range(min=0, max=50, min_inclusive=False))
    step_mg = fields.Float(
        validate=_positive(MAX_MG), metadata={"description": "mg per step (required for fixed_mg and micro)"}
    )
    interval_days = fields.Integer(required=True, validate=validate.Range(1, 365))
    target_mg = fields.Float(
        load_default=0.0,
        validate=validate.Range(0, MAX_MG),
        metadata={"description": "where the steps end; above start_mg for a medication crossed over onto"},
    )
    last_step_from_mg = fields.Float(
        validate=validate.Range(0, MAX_MG),
        metadata={"description": "from this dose or below, the next step goes to the target (as agreed)"},
    )

    @validates_schema
    def _rules(self, data, **_kwargs):
        errors: dict[str, list[str]] = {}

        def refuse(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        if data.get("medication") and catalog.medication(data["medication"]) is None:
            refuse("medication", _("Not in the medication catalogue (GET /v1/catalog/medications)."))
        if data.get("form") == "tablet" and not data.get("tablet_strength_mg"):
            refuse("tablet_strength_mg", _("A tablet plan needs the strength of one tablet."))
        if data.get("form") == "liquid" and not data.get("concentration_mg_per_ml"):
            refuse("concentration_mg_per_ml", _("A liquid plan needs its concentration in mg/mL."))
        method = data.get("method")
        if method == "percent" and not data.get("step_percent"):
            refuse("step_percent", _("A percent plan needs step_percent."))
        if method in ("fixed_mg", "micro") and not data.get("step_mg"):
            refuse("step_mg", _("A {method} plan needs step_mg.").format(method=method))
        if method == "micro" and data.get("interval_days", 1) > MICRO_MAX_INTERVAL:
            micro = _("Micro-cuts come every 1 to {days} days.")
            refuse("interval_days", micro.format(days=MICRO_MAX_INTERVAL))
        start, target = data.get("start_mg"), data.get("target_mg", 0.0)
        if method == "percent" and start is not None and target > start:
            refuse("target_mg", _("A percentage step lowers the dose; for a rising dose use fixed_mg."))
        if data.get("last_step_from_mg") is not None and start is not None and target >= start:
            refuse("last_step_from_mg", _("A last step applies to a falling dose only."))
        if not errors:
            unit = schedule.measure_mg(data)
            for name in ("start_mg", "target_mg"):
                if not schedule.measurable(schedule.exact(data.get(name, 0.0)), unit):
                    measure = _("Not a whole number of what can be measured ({unit:g} mg).")
                    refuse(name, measure.format(unit=float(unit)))
        if errors:
            raise ValidationError(errors)


class HoldSchema(Schema):
    class Meta:
        unknown = RAISE

    start = Day(required=True, validate=DAY)
    until = Day(
        load_default=None,
        allow_none=True,
        validate=DAY,
        metadata={"description": "the day the schedule resumes; null: open-ended"},
    )

    @validates_schema
    def _order(self, data, **_kwargs):
        if data.get("until") is not None and data["until"] <= data["start"]:
            raise ValidationError(_("A hold ends after it starts."), "until")


class DoseTimeSchema(Schema):
    class Meta:
        unknown = RAISE

    time = fields.String(
        required=True,
        validate=validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error=_("Use a local time as HH:MM.")),
        metadata={"description": "local time of day, HH:MM (24 h)"},
    )
    share = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1, min_inclusive=False),
        metadata={"description": "this time's part of the day's planned dose; the shares add up to 1"},
    )


class PlanBaseSchema(Schema):
    """What the person and their prescriber agreed; every version has these."""

    start_day = Day(required=True, validate=DAY)
    medications = fields.List(
        fields.Nested(PlanMedicationSchema),
        required=True,
        validate=validate.Length(1, MAX_MEDICATIONS),
        metadata={"description": "one, or two or three during a crossover"},
    )
    holds = fields.List(fields.Nested(HoldSchema), load_default=list, validate=validate.Length(max=MAX_HOLDS))
    ended_on = Day(
        validate=DAY,
        allow_none=True,
        metadata={
            "description": "the plan's last day, when the person ended it: nothing is planned after it"
        },
    )
    dose_times = fields.List(
        fields.Nested(DoseTimeSchema),
        validate=validate.Length(max=doses.MAX_DOSE_TIMES),
        metadata={
            "description": "optional: your dose times and how the day's dose is split between them (your "
            "own, as agreed; we never propose them). Distinct times, shares "
            "adding up to 1. Dose reminders and the taken/skipped buttons follow them."
        },
    )


class PlanRequestSchema(PlanBaseSchema):
    class Meta:
        unknown = RAISE

    based_on_version = fields.Integer(
        validate=validate.Range(min=0),
        metadata={
            "description": "the version this change was made from (0: there was none); 409 if another "
            "was saved since, which also makes a repeated request safe"
        },
    )

    @validates_schema
    def _rules(self, data, **_kwargs):
        meds = data.get("medications") or []
        codes = [m["medication"] for m in meds]
        if len(set(codes)) != len(codes):
            raise ValidationError(_("Each medication appears once."), "medications")
        for med in meds:
            if med.get("start_day") and data.get("start_day") and med["start_day"] < data["start_day"]:
                message = _("A medication starts on or after the plan's start_day.")
                raise ValidationError(message, "medications")
        if data.get("ended_on") and data.get("start_day") and data["ended_on"] < data["start_day"]:
            raise ValidationError(_("A plan ends on or after its start_day."), "ended_on")
        holds = sorted(data.get("holds") or [], key=lambda h: h["start"])
        for earlier, later in itertools.pairwise(holds):
            if earlier["until"] is None or earlier["until"] > later["start"]:
                message = _("Holds do not overlap, and only the last may be open-ended.")
                raise ValidationError(message, "holds")

    @validates_schema
    def _dose_times(self, data, **_kwargs):
        times = data.get("dose_times")
        if not times:
            return
        if len({t["time"] for t in times}) != len(times):
            raise ValidationError(_("Each time appears once."), "dose_times")
        total = sum(t["share"] for t in times)
        if abs(total - 1) > doses.SHARE_TOLERANCE:
            message = _("The shares add up to {total:g}; they must add up to 1 (the whole day's dose).")
            raise ValidationError(message.format(total=total), "dose_times")


class EndRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    day = Day(
        required=True,
        validate=DAY,
        metadata={
            "description": "the plan's last day (on or after its start_day): nothing is planned after it"
        },
    )
    based_on_version = fields.Integer(
        validate=validate.Range(min=1),
        metadata={"description": "the version you are ending; 409 if another was saved since"},
    )


class StepSchema(Schema):
    day = fields.String(required=True, metadata={"format": "date"})
    medication = fields.String(required=True)
    from_mg = fields.Float(required=True)
    to_mg = fields.Float(required=True)
    percent = fields.Float(required=True, metadata={"description": "change from the dose before"})


class DoseSchema(Schema):
    """One planned dose at one of your times, as the schedule computes it from your plan."""

    time = fields.String(required=True, metadata={"description": "local time, HH:MM"})
    medication = fields.String(required=True)
    mg = fields.Float(required=True)
    amount = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": 'as you measure it ("½ tablet", "2.5 mL"); null when mg is the measure'},
    )


class TodayDoseSchema(DoseSchema):
    event_id = fields.String(
        required=True,
        metadata={"description": "the id this dose is recorded under, whichever way it is confirmed"},
    )
    token = fields.String(
        required=True,
        metadata={"description": "for POST /v1/doses/confirm (no session needed); expires after 3 days"},
    )
    status = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(["taken", "skipped"]),
        metadata={"description": "null until the dose is confirmed as taken or skipped"},
    )


class ProgressSchema(Schema):
    today = fields.String(required=True, metadata={"format": "date", "description": "in your time zone"})
    next_step = fields.Nested(StepSchema, required=True, allow_none=True)
    finish = fields.String(
        required=True,
        allow_none=True,
        metadata={"format": "date", "description": "when every medication reaches its target; see `ends`"},
    )
    ends = fields.Dict(
        required=True,
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(["target", "stalled", "open_hold", "horizon", "ended"])),
        metadata={
            "description": "per medication, why its schedule ends: target reached; stalled (the next step "
            "is smaller than what can be measured); open_hold; horizon (beyond ten years or 4000 steps); "
            "ended (the person ended the plan, see `ended_on`)"
        },
    )
    today_planned = fields.Dict(required=True, metadata={"description": "today's planned doses (see days)"})
    today_doses = fields.List(
        fields.Nested(TodayDoseSchema),
        required=True,
        metadata={"description": "today's doses at your dose_times, by time ([] without dose_times)"},
    )


class PlanVersionSchema(PlanBaseSchema):
    version = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class PlanSchema(PlanVersionSchema):
    progress = fields.Nested(ProgressSchema, required=True)


class PlanVersionListSchema(Schema):
    versions = fields.List(fields.Nested(PlanVersionSchema), required=True)


class ScheduleQuerySchema(Schema):
    from_ = Day(data_key="from", validate=DAY, metadata={"description": "first day (default: today)"})
    to = Day(validate=DAY, metadata={"description": "last day (default: 27 days after `from`)"})

    @validates_schema
    def _range(self, data, **_kwargs):
        start, end = data.get("from_"), data.get("to")
        if start and end and start > end:
            raise ValidationError(_("`from` must not be after `to`."), "from")
        if start and end and (end - start).days >= MAX_SCHEDULE_DAYS:
            message = _("Ask for at most {days} days at a time.")
            raise ValidationError(message.format(days=MAX_SCHEDULE_DAYS), "from")


class ScheduleSchema(Schema):
    version = fields.Integer(required=True)
    from_ = fields.String(required=True, data_key="from", attribute="from", metadata={"format": "date"})
    to = fields.String(required=True, metadata={"format": "date"})
    days = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "one per day: `medications` (code -> mg, and tablets or ml), `step` (a step "
            "falls that day), `on_hold`, `diazepam_equivalent` (mg and range_mg, null when a drug has no "
            "factor), and with dose_times `doses` (time, medication, mg, amount, event_id and status, as "
            "in today_doses; status is null after today): a day's doses can be answered later"
        },
    )
    steps = fields.List(fields.Nested(StepSchema), required=True, metadata={"description": "in the range"})
    adherence = fields.List(
        fields.Dict(),
        required=True,
        metadata={
            "description": "days up to today: planned_mg, logged_mg (taken, from your dose entries) and "
            "state: as_planned, above_plan, below_plan or not_logged"
        },
    )
    factors = fields.Dict(
        required=True,
        metadata={"description": "each drug's diazepam factors with source and range, and the note to show"},
    )


def _day(description: str) -> fields.String:
    return fields.String(metadata={"format": "date", "description": description})


class QuestionSchema(Schema):
    """One fact; besides its text, the dates and figures it names (which ones depends on its kind)."""

    kind = fields.String(
        required=True,
        metadata={
            "description": "high_daily_dose, next_cut_in_wave, first_cut_above_guideline, "
            "pace_above_guideline, logged_differs or hold_longer_than_recent (more may be added)"
        },
    )
    text = fields.String(required=True, metadata={"description": "the fact in words, to show as it is"})
    source = fields.Dict(required=True, allow_none=True, metadata={"description": "title and url, if cited"})
    dose_day = _day("the day whose planned daily dose it names")
    daily_mg = fields.Float(metadata={"description": "that day's planned dose, mg diazepam-equivalent"})
    step_day = _day("the planned step it is about")
    from_day = _day("where the 14 days of a pace begin")
    wave_start = _day("when the ongoing wave began")
    wave_last_day = _day("the wave's last logged day")
    hold_start = _day("when the current hold began")
    percent = fields.Float(metadata={"description": "the cut, or the fall over 14 days, in percent"})
    days = fields.List(
        fields.String(metadata={"format": "date"}), metadata={"description": "days that differ"}
    )
    unlogged_days = fields.Integer(metadata={"description": "of the 14 days, those with no dose logged"})
    lasted_days = fields.Integer(metadata={"description": "how long the current hold has lasted"})
    earlier_days = fields.List(fields.Integer(), metadata={"description": "how long the recent holds lasted"})


class QuestionListSchema(Schema):
    version = fields.Integer(required=True)
    today = fields.String(required=True, metadata={"format": "date"})
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    note = fields.String(required=True)
