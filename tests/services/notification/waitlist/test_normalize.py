"""Email keys for duplicate detection, and the disposable-domain check."""

import pytest

from services.notification.waitlist.abuse import disposable_domains, is_disposable, parent_domains
from services.notification.waitlist.normalize import email_key, split_address
from shared.address import MAX_ADDRESS_LENGTH


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("  Jane.Doe+news@GMail.com ", "janedoe@gmail.com"),
        ("j.a.n.e.doe@googlemail.com", "janedoe@gmail.com"),
        ("Jane.Doe+x@Outlook.com", "jane.doe@outlook.com"),  # plus dropped, dots kept
        ("Jane.Doe+x@Example.ORG", "jane.doe+x@example.org"),  # unknown provider: `+` may be real
        ("MiXeD@Example.org", "mixed@example.org"),
    ],
)
def test_email_key(typed, key):
    assert email_key(typed) == key


@pytest.mark.parametrize(
    ("address", "disposable"),
    [
        ("a@mailinator.com", True),
        ("a@MAILINATOR.com", True),
        ("a@eu.mailinator.com", True),
        ("a@yopmail.com", True),
        ("a@gmail.com", False),
        ("a@notmailinator.com", False),
        ("a@com", False),
    ],
)
def test_is_disposable(address, disposable):
    assert is_disposable(address) is disposable


def test_disposable_check_looks_up_no_more_names_than_the_list_has_labels():
    # The worst case of the largest accepted size: a domain of single-letter labels, 254 characters in all.
    address = "a@" + "b." * 125 + "cc"
    assert len(address) == MAX_ADDRESS_LENGTH
    _, domain = split_address(address)
    looked_up = parent_domains(domain)
    most_labels = max(name.count(".") + 1 for name in disposable_domains())
    assert len(looked_up) == most_labels - 1  # one per listed depth, not one per label (126)
    assert sum(len(name) for name in looked_up) <= most_labels * len("b.b.cc")
    assert is_disposable(address) is False
