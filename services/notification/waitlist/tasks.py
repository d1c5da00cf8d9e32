"""Waitlist tasks: sign-ups are stored and confirmed by email; an accepted invitation activates an entry."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task
from marshmallow import ValidationError

from services.notification.waitlist import repository, service
from shared import waitlist_inbox
from shared.tasks import INVITATION_ACCEPTED, WAITLIST_JOIN, WAITLIST_STORE, WaitlistJoinPayload

log = logging.getLogger(__name__)

BATCH = 100  # sign-ups stored with one write each for entries, counters and emails
BATCHES_PER_TASK = 10  # then the rest wait behind the emails queued meanwhile (same queue)


@shared_task(name=WAITLIST_STORE.name, bind=True)
def store_waitlist_signups(self) -> int:
    """Store the sign-ups waiting in the inbox, a batch at a time, and email their confirmation links; the
    number taken."""
    waitlist_inbox.started()
    taken = 0
    for _ in range(BATCHES_PER_TASK):
        batch = waitlist_inbox.take(self.request.id, BATCH)
        if not batch:
            return taken
        service.store_signups(self.app, self.runtime.settings, _valid(batch))
        waitlist_inbox.done(self.request.id)
        taken += len(batch)
    waitlist_inbox.schedule(self.app)
    return taken


def _valid(batch: list[dict]) -> list[dict]:
    valid = []
    for item in batch:
        try:
            valid.append(WaitlistJoinPayload().load(item))
        except ValidationError as exc:  # only field names: the values may hold an address
            log.error("dropped an invalid waitlist sign-up", extra={"fields": sorted(exc.messages)})
    return valid


@shared_task(name=WAITLIST_JOIN.name, bind=True, dont_autoretry_for=(ValidationError,))
def waitlist_join(self, **payload) -> None:
    """Store one sign-up queued as a task of its own (before the inbox existed)."""
    service.store_signups(self.app, self.runtime.settings, [WaitlistJoinPayload().load(payload)])


@shared_task(name=INVITATION_ACCEPTED.name)
def invitation_accepted(invitation_id: str, waitlist_entry_id: str) -> bool:
    """Mark the waitlist entry active (its person now has an account); repeating it changes nothing."""
    return repository.mark_active(waitlist_entry_id, datetime.now(UTC))
