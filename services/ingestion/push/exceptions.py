"""What the push API refuses, as problem+json."""

from shared.web.problems import DomainError


class PushNotConfigured(DomainError):
    status = 404
    title = "Push notifications are not available"
    type_slug = "push-not-configured"
    detail = (
        "This server does not send push notifications. Reminders come by email instead while reminders are "
        "on (preferences.reminders.enabled)."
    )
