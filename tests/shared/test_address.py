"""Email addresses from outside: an over-long one is refused alone, before any validator looks at it, and one
we could never send to is refused saying why."""

import pytest
from marshmallow import ValidationError

from shared.address import MAX_ADDRESS_LENGTH, NOT_SENDABLE, TOO_LONG, EmailAddress


def test_an_address_of_the_largest_size_is_accepted():
    address = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".org"
    assert len(address) == MAX_ADDRESS_LENGTH
    assert EmailAddress().deserialize(address) == address


@pytest.mark.parametrize("address", ["a" * 300 + "@example.org", "a@" + "a." * 60000 + "!"])
def test_an_overlong_address_gets_only_the_length_message(address):
    # A length validator beside the field's own would be reported with the syntax error, after both ran.
    with pytest.raises(ValidationError) as refused:
        EmailAddress().deserialize(address)
    assert refused.value.messages == [TOO_LONG]


def test_letters_outside_ascii_before_the_at_are_refused_and_in_the_domain_accepted():
    # SMTP without SMTPUTF8 carries a domain in its ASCII form, but has no form for such a local part.
    with pytest.raises(ValidationError) as refused:
        EmailAddress().deserialize("josé@example.org")
    assert refused.value.messages == [NOT_SENDABLE]
    assert EmailAddress().deserialize("jose@bücher.example") == "jose@bücher.example"
