"""The event types (one marshmallow schema each), the batch envelope, and the API's answers."""

from __future__ import annotations

from datetime import datetime

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.ingestion.accounts.schemas import TimeZoneField
from shared.languages import english as _
from shared.single_line import SingleLine
from shared.web.openapi import offset_date_time, required_when, union_of

TYPES = ("symptom", "check_in", "dose", "taper_step", "note")
STATUSES = ("accepted", "duplicate", "rejected")  # an event's outcome, as the service names them
CODE = validate.Regexp(
    r"^[a-z][a-z0-9_]{0,63}$", error=_("Use a catalogue code (lowercase letters, digits, _).")
)
EVENT_ID = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$",
    error=_("Use 1-100 letters, digits, '.', '_', ':' or '-' (a UUID is ideal)."),
)
NOTE = fields.String(validate=validate.Length(max=2000))
TAGS = fields.List(SingleLine(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=20))
MAX_MG = 2000


class EventSchema(Schema):
    """Fields every event has. `occurred_at` keeps the device's UTC offset."""

    class Meta:
        unknown = RAISE

    event_id = fields.String(required=True, validate=EVENT_ID)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    occurred_at = offset_date_time(required=True)
    time_zone = TimeZoneField(
        metadata={
            "description": "the IANA zone to count its local day in; default the account's. An edit sends "
            "the stored event's `time_zone`, so it stays on its day after the person changed zone"
        }
    )


def _type_is(name: str) -> fields.String:
    """Each event type's own schema fixes `type`, so the document tells the types apart."""
    return fields.String(required=True, validate=validate.Equal(name), metadata={"enum": [name]})


def _one_of(data: dict, first: str, second: str) -> None:
    if (data.get(first) is None) == (data.get(second) is None):
        message = _("Give either {first} or {second}, not both.")
        raise ValidationError(message.format(first=first, second=second), first)


class SymptomEvent(EventSchema):
    class Meta(EventSchema.Meta):
        either = ("code", "custom_label")

    type = _type_is("symptom")
    code = fields.String(validate=CODE)
    custom_label = SingleLine(validate=validate.Length(min=1, max=80))
    severity = fields.Integer(
        required=True,
        validate=validate.Range(0, 4),
        metadata={"description": "0 not at all … 4 very much so"},
    )
    note = NOTE
    tags = TAGS

    @validates_schema
    def _code_or_label(self, data, **_kwargs):
        _one_of(data, "code", "custom_label")


class CheckInEvent(EventSchema):
    type = _type_is("check_in")
    overall = fields.Integer(
        required=True, validate=validate.Range(0, 10), metadata={"description": "0 none … 10 worst"}
    )
    sleep_hours = fields.Float(validate=validate.Range(0, 24))
    sleep_quality = fields.Integer(
        validate=validate.Range(0, 4), metadata={"description": "0 very poor … 4 very good"}
    )
    mood = fields.Integer(validate=validate.Range(0, 4), metadata={"description": "0 very low … 4 very good"})
    note = NOTE


class DoseEvent(EventSchema):
    class Meta(EventSchema.Meta):
        either = ("medication", "custom_medication")
        openapi = required_when("form", "liquid", "concentration_mg_per_ml", "number")

    type = _type_is("dose")
    medication = fields.String(validate=CODE)
    custom_medication = SingleLine(validate=validate.Length(min=1, max=80))
    amount_mg = fields.Float(required=True, validate=validate.Range(min=0, max=MAX_MG, min_inclusive=False))
    form = fields.String(
        load_default="tablet", validate=validate.OneOf(["tablet", "liquid", "compounded", "other"])
    )
    concentration_mg_per_ml = fields.Float(validate=validate.Range(min=0, max=1000, min_inclusive=False))
    status = fields.String(load_default="taken", validate=validate.OneOf(["taken", "skipped"]))
    note = NOTE

    @validates_schema
    def _rules(self, data, **_kwargs):
        _one_of(data, "medication", "custom_medication")
        if data.get("form") == "liquid" and data.get("concentration_mg_per_ml") is None:
            raise ValidationError(_("A liquid needs its concentration in mg/ml."), "concentration_mg_per_ml")


class TaperStepEvent(EventSchema):
    class Meta(EventSchema.Meta):
        either = ("medication", "custom_medication")
        openapi = required_when("kind", "crossover", "to_medication", "string")

    type = _type_is("taper_step")
    kind = fields.String(
        required=True, validate=validate.OneOf(["cut", "hold", "pause", "up_dose", "crossover"])
    )
    medication = fields.String(validate=CODE)
    custom_medication = SingleLine(validate=validate.Length(min=1, max=80))
    new_daily_dose_mg = fields.Float(required=True, validate=validate.Range(0, MAX_MG))
    to_medication = fields.String(validate=CODE)
    note = NOTE

    @validates_schema
    def _rules(self, data, **_kwargs):
        _one_of(data, "medication", "custom_medication")
        if data.get("kind") == "crossover" and not data.get("to_medication"):
            raise ValidationError(_("A crossover names the medication crossed over to."), "to_medication")


class NoteEvent(EventSchema):
    type = _type_is("note")
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    tags = TAGS


SCHEMAS: dict[str, type[EventSchema]] = {
    "symptom": SymptomEvent,
    "check_in": CheckInEvent,
    "dose": DoseEvent,
    "taper_step": TaperStepEvent,
    "note": NoteEvent,
}


# One instance per type, built once: building a schema costs more than validating an event with it.
_LOADERS = {name: schema() for name, schema in SCHEMAS.items()}


def load_event(raw: object) -> dict:
    """Validate one event by its type; ValidationError messages name each bad field."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": [_("Each event must be a JSON object.")]})
    kind = raw.get("type")
    schema = _LOADERS.get(kind) if isinstance(kind, str) else None  # an object or list is no type name
    if schema is None:
        raise ValidationError({"type": [_("Must be one of: {choices}.").format(choices=", ".join(TYPES))]})
    return schema.load(raw)


class SentAtSchema(Schema):
    sent_at = offset_date_time(metadata={"description": "device time when this request was sent"})


_SENT_AT = SentAtSchema().fields["sent_at"]


def load_single(body: object) -> tuple[dict, dict, datetime | None] | None:
    """POST /v1/events's body in one pass: (the event as sent, the event loaded by its type's schema,
    sent_at), or None when anything is off. Whatever passes here also passes SingleEventSchema, whose
    checks of the event's fields are a subset of every type schema's."""
    if not isinstance(body, dict):
        return None
    raw = {k: v for k, v in body.items() if k != "sent_at"}
    try:
        event = load_event(raw)
        sent_at = _SENT_AT.deserialize(body["sent_at"]) if "sent_at" in body else None
    except ValidationError:
        return None
    return raw, event, sent_at


class SingleEventSchema(SentAtSchema):
    """POST /v1/events: one event, with the request's `sent_at` beside its fields. Parsed loosely here (the
    event is checked by its type's schema), documented exactly by SINGLE_EVENT_DOC."""

    class Meta:
        unknown = "include"

    event_id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    occurred_at = fields.String(required=True)


# The document's request body for POST /v1/events: one shape per event type, each with `sent_at`, told
# apart by `type`.
_SINGLES = {name: type(f"Single{s.__name__}", (SentAtSchema, s), {}) for name, s in SCHEMAS.items()}
SINGLE_EVENT_DOC = {
    "oneOf": list(_SINGLES.values()),
    "discriminator": {
        "propertyName": "type",
        "mapping": {name: f"#/components/schemas/{s.__name__}" for name, s in _SINGLES.items()},
    },
}
SINGLE_EVENT_EXAMPLES = {
    "symptom": {
        "summary": "A symptom from the catalogue",
        "value": {
            "event_id": "0b7f3c1e-5d2a-4c8e-9f61-2a4b6c8d0e12",
            "type": "symptom",
            "code": "insomnia",
            "severity": 3,
            "occurred_at": "2026-03-02T07:30:00+01:00",
            "sent_at": "2026-03-02T07:31:05+01:00",
        },
    },
    "check_in": {
        "summary": "A daily check-in",
        "value": {
            "event_id": "5c1d9e4a-7b3f-4a2e-8d6c-1f0e9b8a7c65",
            "type": "check_in",
            "overall": 6,
            "sleep_hours": 5.5,
            "occurred_at": "2026-03-02T21:00:00-05:00",
        },
    },
    "dose": {
        "summary": "A dose taken",
        "value": {
            "event_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "type": "dose",
            "medication": "diazepam",
            "amount_mg": 2.5,
            "occurred_at": "2026-03-02T08:00:00Z",
        },
    },
}


class BatchSchema(Schema):
    class Meta:
        unknown = RAISE

    sent_at = offset_date_time(
        required=True, metadata={"description": "device time when this request was sent"}
    )
    # Documented as events, but checked one by one: a bad item is answered in its own result (rejected,
    # with its problem) while the others are stored, rather than refusing the whole batch.
    events = fields.List(
        fields.Raw(metadata=union_of("type", SCHEMAS)),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "events shaped as for POST /v1/events, without sent_at"},
    )


BATCH_EXAMPLE = {
    "sent_at": "2026-03-03T09:15:00+01:00",
    "events": [
        {k: v for k, v in example["value"].items() if k != "sent_at"}
        for example in SINGLE_EVENT_EXAMPLES.values()
    ],
}


class EventResultSchema(Schema):
    index = fields.Integer(
        required=True, metadata={"description": "the event's place in the batch (0 for a single event)"}
    )
    event_id = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    local_day = fields.String(metadata={"format": "date", "description": "the local day it counts for"})
    occurred_at = fields.String(metadata={"description": "the corrected instant, in UTC"})
    problem = fields.Dict(
        metadata={
            "description": "why a rejected event was refused",
            "allOf": [{"$ref": "#/components/schemas/Problem"}],
        }
    )


class BatchResultSchema(Schema):
    accepted = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)
    rejected = fields.Integer(required=True)
    results = fields.List(fields.Nested(EventResultSchema), required=True)


class EventOutSchema(Schema):
    event_id = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    occurred_at = fields.DateTime(required=True, metadata={"description": "corrected time (UTC)"})
    occurred_at_device = fields.String(
        required=True, metadata={"description": "as the device sent it, with its offset"}
    )
    local_day = fields.String(required=True, metadata={"format": "date"})
    time_zone = fields.String(
        required=True,
        metadata={
            "description": "the IANA zone local_day was counted in (the account's when it was stored): "
            "show its time in this zone, so it sits under its day"
        },
    )
    received_at = fields.DateTime(required=True)
    clock_corrected = fields.Boolean(required=True)
    red_flag = fields.Boolean()
    data = fields.Dict(required=True)


class EventPageSchema(Schema):
    events = fields.List(fields.Nested(EventOutSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class EventQuerySchema(Schema):
    type = fields.String(validate=validate.OneOf(TYPES))
    from_ = offset_date_time(data_key="from")
    to = offset_date_time()
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    cursor = fields.String(validate=validate.Length(max=200))
