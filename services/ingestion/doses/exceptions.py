"""What a dose confirmation refuses, as problem+json."""

from shared.web.problems import DomainError


class TokenUnusable(DomainError):
    status = 400
    title = "This dose link is not valid"
    type_slug = "dose-token-invalid"
    detail = (
        "This confirmation token was not made by us, was changed or cut short, or its account no longer "
        "exists. Nothing was recorded. Open the app to see today's doses."
    )


class TokenExpired(DomainError):
    status = 410
    title = "This dose link has expired"
    type_slug = "dose-token-expired"
    detail = (
        "Confirmation links work for 3 days. Nothing was recorded. You can still log this dose in the app."
    )


class DoseDeleted(DomainError):
    status = 409
    title = "This dose was recorded and then deleted"
    type_slug = "dose-deleted"
    detail = "Its entry was deleted, so the link records nothing now. You can log the dose again in the app."


class DoseRefused(DomainError):
    """The dose event itself was refused (its time could not be placed, a catalogue change)."""

    status = 422
    title = "This dose could not be recorded"
    type_slug = "dose-refused"
