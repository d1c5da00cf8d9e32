"""The sign-up's shape, shared by the JSON API and the HTML form so both say the same thing. The messages
a person can meet on the form are English msgids the form page translates (FORM_MESSAGES); the API's
problems translate every message, by the service's problems catalog (marked `_`)."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from services.notification.waitlist import abuse
from services.notification.waitlist.service import CONSENT_TEXTS
from shared import address, languages, single_line
from shared.address import EmailAddress
from shared.languages import english as _
from shared.single_line import SingleLine

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

CONSENT_REQUIRED = _("Please tick the box to say you'd like to join. We only email people who asked us to.")
DISPOSABLE = _(
    "This looks like a temporary email address. Please use one you'll keep, so we can reach you "
    "when your place comes up."
)
EMAIL_REQUIRED = _("Please enter your email address.")
EMAIL_INVALID = _("Please enter a full email address, like name@example.com.")
NAME_MAX = 100
NAME_TOO_LONG = _("Please keep your name to {max} characters or fewer.").format(max=NAME_MAX)
CONSENT_NOT_SHOWN = _("This consent text version is not known in this language.")
# Every message the form's visible fields (email, name, consent) can show, translated on the page; the
# hidden fields' messages are not for people (the page says the link it came from can't be used).
FORM_MESSAGES = (
    EMAIL_REQUIRED,
    EMAIL_INVALID,
    address.TOO_LONG,
    address.NOT_SENDABLE,
    DISPOSABLE,
    NAME_TOO_LONG,
    single_line.MESSAGE,
    CONSENT_REQUIRED,
    fields.Boolean.default_error_messages["invalid"],
)


def _utm() -> fields.String:
    return SingleLine(load_default=None, validate=validate.Length(max=200))


class JoinSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # forms and landing pages add their own fields; only these are read

    email = EmailAddress(
        required=True,
        error_messages={"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
    )
    name = SingleLine(load_default=None, validate=validate.Length(max=NAME_MAX, error=NAME_TOO_LONG))
    referral_code = SingleLine(load_default=None, validate=validate.Length(max=32))
    source = SingleLine(load_default=None, validate=validate.Length(max=64))
    utm_source, utm_medium, utm_campaign, utm_term, utm_content = (_utm() for _field in UTM_FIELDS)
    consent = fields.Boolean(
        required=True,
        validate=validate.Equal(True, error=CONSENT_REQUIRED),
        error_messages={"required": CONSENT_REQUIRED},
    )
    consent_version = fields.String(
        load_default=None,
        validate=validate.OneOf(list(CONSENT_TEXTS), error=_("This consent text version is not known.")),
    )
    # The language the person reads (the form's, or the API caller's): their pages and emails speak it.
    language = fields.String(
        load_default=None, validate=validate.OneOf(languages.LANGUAGES, error=languages.UNKNOWN)
    )
    website = fields.String(load_default=None, data_key=abuse.HONEYPOT_FIELD)  # the honeypot

    @validates_schema
    def _consent_was_shown(self, data: dict[str, Any], **_: Any) -> None:
        # The stored version and language must name a text we show, or the proof would point at nothing.
        version, language = data.get("consent_version"), data.get("language") or languages.DEFAULT
        if version in CONSENT_TEXTS and language not in CONSENT_TEXTS[version]:
            raise ValidationError(CONSENT_NOT_SHOWN, "consent_version")

    @validates("email")
    def _not_disposable(self, address: str, **_: Any) -> None:
        # A field-level check runs only on an address that passed its field: never on a malformed one.
        if abuse.is_disposable(address):
            raise ValidationError(DISPOSABLE)

    @pre_load
    def _tidy(self, data: Any, **_: Any) -> Any:
        """Trim text and treat blank optional fields as absent (forms send every input)."""
        if not hasattr(data, "items"):
            return data
        tidy = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return {k: v for k, v in tidy.items() if v != ""}


class JoinAcceptedSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["received"]))
    message = fields.String(required=True)
