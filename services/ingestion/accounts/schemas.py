"""Shapes of the accounts API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates

from services.ingestion.accounts.zones import time_zones
from shared import languages, preferences
from shared.address import EmailAddress
from shared.languages import english as _
from shared.reports import PAPERS
from shared.single_line import SingleLine

WEEKDAYS = list(preferences.WEEKDAYS)
LOCAL_TIME = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error=_("Use 24-hour HH:MM, e.g. 09:00."))
PLATFORMS = ["ios", "android", "web", "other"]
SIGN_IN_CODE = validate.Regexp(r"^\d{6}$", error=_("The code has 6 digits."))
LANGUAGE = validate.OneOf(languages.LANGUAGES, error=languages.UNKNOWN)


class TimeZoneField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value not in time_zones():
            raise ValidationError(_("Use an IANA time zone name, e.g. Europe/London or America/New_York."))
        return value


class DayField(fields.Date):
    """A calendar day, kept as "YYYY-MM-DD" like events' local_day: BSON has no date-only type."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()


class WeeklyReportPrefs(Schema):
    enabled = fields.Boolean()
    weekday = fields.String(validate=validate.OneOf(WEEKDAYS))
    local_time = fields.String(validate=LOCAL_TIME)
    to_self = fields.Boolean()
    clinician_email = EmailAddress(allow_none=True)
    attach_pdf = fields.Boolean()
    include_notes = fields.Boolean()
    paper = fields.String(
        allow_none=True,
        validate=validate.OneOf(PAPERS),
        metadata={"description": "the weekly report's paper; null until chosen, and it is then A4"},
    )


class QuietHours(Schema):
    start = fields.String(required=True, validate=LOCAL_TIME)
    end = fields.String(required=True, validate=LOCAL_TIME)


class ReminderPrefs(Schema):
    enabled = fields.Boolean()
    local_time = fields.String(validate=LOCAL_TIME)
    days = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), validate=validate.Length(max=7))
    quiet_hours = fields.Nested(QuietHours, allow_none=True)
    paused_until = DayField(allow_none=True)


class Preferences(Schema):
    """Sent: only the groups to change (a group is replaced whole). Shown: with defaults filled in."""

    weekly_report = fields.Nested(WeeklyReportPrefs)
    reminders = fields.Nested(ReminderPrefs)

    @pre_dump
    def _with_defaults(self, data, **_kwargs):
        return preferences.effective_all(data)


class ConsentSchema(Schema):
    version = fields.String()
    given_at = fields.DateTime()


class MeSchema(Schema):
    id = fields.String(required=True, attribute="_id")
    email = fields.String(required=True)
    display_name = fields.String(required=True)
    time_zone = fields.String(required=True)
    language = fields.String(
        required=True,
        dump_default=languages.DEFAULT,
        validate=LANGUAGE,
        metadata={"description": "the language of the person's emails"},
    )
    preferences = fields.Nested(Preferences, required=True)
    health_data_consent = fields.Nested(ConsentSchema, attribute="consents.health_data")
    created_at = fields.DateTime(required=True)


class MePatchSchema(Schema):
    display_name = SingleLine(validate=validate.Length(min=1, max=80))
    time_zone = TimeZoneField()
    language = fields.String(validate=LANGUAGE)
    preferences = fields.Nested(Preferences)


class DeviceSchema(Schema):
    id = fields.String(required=True, attribute="_id")
    name = fields.String(required=True)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    created_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime()
    current = fields.Boolean(metadata={"description": "this is the device asking (in the devices list)"})


class CodeRequestSchema(Schema):
    email = EmailAddress(required=True)
    language = fields.String(
        validate=LANGUAGE,
        metadata={"description": "the language of this one email (the app's); else the account's"},
    )


class CodeRequestedSchema(Schema):
    status = fields.String(required=True)
    detail = fields.String(required=True)


APP_LANGUAGE = {"description": "the app's language: the account's from now on, if it has none yet"}


class TokenRequestSchema(Schema):
    email = EmailAddress(required=True)
    code = fields.String(required=True, validate=SIGN_IN_CODE)
    device_name = SingleLine(load_default="My device", validate=validate.Length(min=1, max=80))
    platform = fields.String(load_default="other", validate=validate.OneOf(PLATFORMS))
    language = fields.String(validate=LANGUAGE, metadata=APP_LANGUAGE)


class BrowserSessionRequestSchema(Schema):
    email = EmailAddress(required=True)
    code = fields.String(required=True, validate=SIGN_IN_CODE)
    device_name = SingleLine(load_default="Web browser", validate=validate.Length(min=1, max=80))
    language = fields.String(validate=LANGUAGE, metadata=APP_LANGUAGE)


class BrowserSessionSchema(Schema):
    device = fields.Nested(DeviceSchema, required=True)


class DeviceTokenSchema(Schema):
    token = fields.String(required=True)
    device = fields.Nested(DeviceSchema, required=True)


class AcceptInvitationSchema(Schema):
    display_name = SingleLine(required=True, validate=validate.Length(min=1, max=80))
    time_zone = TimeZoneField(required=True)
    health_data_consent = fields.Boolean(required=True)
    consent_version = fields.String(required=True)
    device_name = SingleLine(load_default="My device", validate=validate.Length(min=1, max=80))
    platform = fields.String(load_default="other", validate=validate.OneOf(PLATFORMS))

    @validates("health_data_consent")
    def _must_consent(self, value, **_kwargs):
        if value is not True:
            raise ValidationError(_("We can only keep health information with your explicit consent."))


class AccountCreatedSchema(Schema):
    me = fields.Nested(MeSchema, required=True)
    token = fields.String(required=True)
    device = fields.Nested(DeviceSchema, required=True)


class InvitationSchema(Schema):
    email = fields.String(required=True)
    name = fields.String(allow_none=True)
    consent_version = fields.String(required=True)
    consent_text = fields.String(required=True)
