"""What admin pages and the admin API accept: list filters, invitations, CSV export."""

from __future__ import annotations

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from services.notification.waitlist.repository import STATUSES

SORTS = ("newest", "oldest", "line", "email")
DATES_REVERSED = "'Joined until' is before 'Joined from', so no entry can match. Swap the two dates."
PAGE_SIZE = 50
MAX_PAGE = 2000  # deep offsets cost a scan; past this, narrow the filters instead
MAX_INVITE_BATCH = 500


class EntryFilters(Schema):
    """Search, filters, sort and page of the waitlist list (query string of the page, API and export)."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=200))
    status = fields.String(load_default="", validate=validate.OneOf(("", *STATUSES)))
    source = fields.String(load_default="", validate=validate.Length(max=100))
    created_from = fields.Date(load_default=None)
    created_to = fields.Date(load_default=None)
    sort = fields.String(load_default="newest", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))

    @pre_load
    def _drop_empty(self, data, **_kwargs):
        # A submitted filter form sends every field, the unused ones empty: empty means "any".
        return {k: v for k, v in data.items() if v != ""}

    @validates_schema
    def _dates_in_order(self, data, **_kwargs):
        if data.get("created_from") and data.get("created_to") and data["created_from"] > data["created_to"]:
            raise ValidationError(DATES_REVERSED, "created_to")

    @post_load
    def _source_any_case(self, data, **_kwargs):
        data["source"] = data["source"].casefold()  # 'Reddit' and 'reddit' are one source
        return data


class InviteRequest(Schema):
    """Either the chosen entries or the next N confirmed in line."""

    entry_ids = fields.List(
        fields.String(validate=validate.Regexp(r"^[0-9a-f]{32}$")),
        load_default=list,
        validate=validate.Length(max=MAX_INVITE_BATCH),
    )
    next = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_INVITE_BATCH))

    @validates_schema
    def _one_of(self, data, **_kwargs):
        if bool(data.get("entry_ids")) == bool(data.get("next")):
            raise ValidationError("give either 'entry_ids' or 'next', not both", "entry_ids")


class OutboxFilters(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(
        load_default="", validate=validate.OneOf(("", "queued", "sending", "sent", "failed", "suppressed"))
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
