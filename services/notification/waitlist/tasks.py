"""Waitlist tasks: an accepted invitation makes its entry active."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task

from services.notification.waitlist import index, repository
from shared.tasks import INVITATION_ACCEPTED


@shared_task(name=INVITATION_ACCEPTED.name)
def invitation_accepted(invitation_id: str, waitlist_entry_id: str) -> bool:
    """Mark the waitlist entry active (its person now has an account); repeating it changes nothing."""
    active = repository.mark_active(waitlist_entry_id, datetime.now(UTC))
    if active:
        index.sync(waitlist_entry_id)
    return active
