"""The check-in reminder email: requested by the workers' schedule for a person with no device that takes
reminders, or by the notifier when none of their devices took the push. One per person and local day,
whoever asks first (its idempotency key)."""

from __future__ import annotations

from celery import Celery

from shared import languages
from shared.app_links import app_link
from shared.email import request_email
from shared.settings import Settings

TEMPLATE = "checkin_reminder"


def request(celery_app: Celery, settings: Settings, user: dict, day: str) -> bool:
    """Ask for the day's reminder email (the user document with its email and language); True if new."""
    return request_email(
        celery_app,
        template=TEMPLATE,
        to=user["email"],
        idempotency_key=f"reminder:{user['_id']}:{day}",
        data={"app_url": app_link(settings)},
        user_id=user["_id"],
        language=languages.of(user),
    )
