"""Email keys for duplicate detection, and the disposable-domain check."""

import pytest

from services.notification.waitlist.abuse import is_disposable
from services.notification.waitlist.normalize import email_key


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
