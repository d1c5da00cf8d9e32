"""What an email address from outside may be: at most 254 characters (RFC 5321), checked before any other
work, so the cost of everything that reads an address afterwards (syntax, normalisation, the disposable
check) is bounded by that size whatever a caller sends."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

from shared.languages import english as _

# RFC 5321 §4.5.3.1.3: a path is at most 256 octets including its angle brackets.
MAX_ADDRESS_LENGTH = 254
TOO_LONG = _("An email address has at most {count} characters.").format(count=MAX_ADDRESS_LENGTH)
NOT_SENDABLE = _(
    "We can't send email to an address with accents or other special letters before the @. Please use "
    "another address."
)


class EmailAddress(fields.Email):
    """`fields.Email` that refuses an over-long value alone, before its validators run (marshmallow runs
    every validator and collects their errors, so a length validator beside them would not spare them), and
    an address we could never send to."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_ADDRESS_LENGTH:
            raise ValidationError(TOO_LONG)
        address = super()._deserialize(value, attr, data, **kwargs)
        if not address.rpartition("@")[0].isascii():
            # SMTP without SMTPUTF8 cannot carry it (a domain goes in its ASCII form, a local part cannot):
            # accepted, every email we said we sent there would never arrive.
            raise ValidationError(NOT_SENDABLE)
        return address
