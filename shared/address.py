"""What an email address from outside may be: at most 254 characters (RFC 5321), checked before any other
work, so the cost of everything that reads an address afterwards (syntax, normalisation, the disposable
check) is bounded by that size whatever a caller sends. And the two forms of an internationalised domain:
the one we send to (ASCII) and the one an address is known by whichever form names it."""

from __future__ import annotations

from typing import Any

import idna
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


def _ascii_domain(domain: str) -> str:
    """IDNA2008 with UTS #46 mapping, as registries and mail servers now read a domain: "straße.de" is
    xn--strae-oqa.de, a domain of its own (the older IDNA2003, Python's "idna" codec, maps it to strasse.de,
    someone else's). A name only IDNA2003 allows (an emoji) keeps that form, the only one it has."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except UnicodeError:
        return domain.encode("idna").decode("ascii")


def smtp_address(address: str) -> str:
    """The address as SMTP without SMTPUTF8 carries it: an internationalised domain in its ASCII (IDNA) form,
    "ana@bücher.example" -> "ana@xn--bcher-kva.example". A non-ASCII local part has no such form: the send
    refuses it for good."""
    local, _, domain = address.rpartition("@")
    if domain.isascii():
        return address
    try:
        return f"{local}@{_ascii_domain(domain)}"
    except UnicodeError:
        return address


def one_form(address: str) -> str:
    """The address with its domain in letters, whichever form it came in: "ana@xn--bcher-kva.example" and
    "ana@bücher.example" are one mailbox. We send to the ASCII form, so a provider's bounce names that one,
    while the person gave (and we keep) the other. A domain in letters goes through the send's encoding and
    back (which folds it as the send does), so both forms of what we send to give one key."""
    local, _, domain = address.rpartition("@")
    if domain.isascii() and "xn--" not in domain:
        return address
    try:
        ascii_domain = _ascii_domain(domain)
        try:
            return f"{local}@{idna.decode(ascii_domain)}"
        except UnicodeError:
            return f"{local}@{ascii_domain.encode('ascii').decode('idna')}"
    except UnicodeError:
        return address  # not a domain we could send to: kept as given
