"""Waitlist tasks: a sign-up is stored and confirmed by email; an accepted invitation activates an entry."""

from __future__ import annotations

from datetime import UTC, datetime

from celery import shared_task
from marshmallow import ValidationError

from services.notification.waitlist import index, repository, service
from shared.tasks import INVITATION_ACCEPTED, WAITLIST_JOIN, WaitlistJoinPayload


@shared_task(name=WAITLIST_JOIN.name, bind=True, dont_autoretry_for=(ValidationError,))
def waitlist_join(self, **payload) -> None:
    """Store one sign-up and email its confirmation link if it is pending (the request could not tell)."""
    payload = WaitlistJoinPayload().load(payload)
    service.join_now(self.app, self.runtime.settings, payload["signup"], payload["ip"], payload["user_agent"])


@shared_task(name=INVITATION_ACCEPTED.name)
def invitation_accepted(invitation_id: str, waitlist_entry_id: str) -> bool:
    """Mark the waitlist entry active (its person now has an account); repeating it changes nothing."""
    active = repository.mark_active(waitlist_entry_id, datetime.now(UTC))
    if active:
        index.sync(waitlist_entry_id)
    return active
