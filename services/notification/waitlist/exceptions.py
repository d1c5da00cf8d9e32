"""What the waitlist's rules can refuse; pages show each as a calm message, the API as problem+json."""

from __future__ import annotations

from shared.web.problems import DomainError


class LinkInvalid(DomainError):
    status = 400
    title = "This link doesn't work"
    detail = (
        "The link may have been cut short when it was copied. Please open it straight from the email, "
        "or sign up again to get a fresh one."
    )


class LinkExpired(DomainError):
    status = 410
    title = "This link has expired"
    detail = (
        "Confirmation links last 72 hours. Nothing has changed: just sign up again with the same address "
        "and we'll send you a fresh link."
    )


class NotOnList(DomainError):
    status = 404
    title = "This address isn't on the waitlist"
    detail = "There is nothing stored for this link. If you left the list, your details have been erased."
