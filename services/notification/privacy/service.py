"""Erasing what the notification service keeps about a person, by the registry's BY_ADDRESS and BY_ENTRY
rows: nothing that names them is left but what userdata.KEPT lists.

Every step is idempotent and the entry goes last, so an interrupted erasure is repeated by the same
request (a second click on the leave link, the admin's button, a redelivered task).
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from services.notification.email import service as email_service
from services.notification.waitlist import counts as waitlist_counts
from services.notification.waitlist import repository as waitlist_repository
from services.notification.waitlist.normalize import email_key as waitlist_email_key
from services.notification.waitlist.repository import ACTIVE
from shared import userdata
from shared.email import address_key, outbox_id
from shared.settings import Settings


def erase_entry(entry_id: str) -> bool:
    """A waitlist entry's erasure (its leave link, or an admin): the entry, its open invitations (their
    links stop working) and, unless the entry became an account (whose own erasure takes them with the
    rest), every email record, unsubscribe and bounce kept for its address. False if already gone."""
    entry = waitlist_repository.find_by_id(entry_id)
    if entry is None:
        return False
    if entry["status"] != ACTIVE:
        userdata.erase_address(address_key(entry["email"]))
    return _erase_entry(entry)


def erase_account_address(
    celery_app: Celery, settings: Settings, to: str, confirmation_key: str, language: str | None = None
) -> None:
    """An account was erased: forget its address and its waitlist entry, keep any suppression (a dead
    address is never mailed again), then confirm the erasure to the address once, in the account's
    language."""
    userdata.erase_address(address_key(to), sparing=[outbox_id(settings, confirmation_key)])
    entry = waitlist_repository.find_by_email_key(waitlist_email_key(to))
    if entry is not None:
        _erase_entry(entry)
    email_service.confirm_erasure(celery_app, settings, to, confirmation_key, language)


def _erase_entry(entry: dict[str, Any]) -> bool:
    # Entries this one referred keep their place, not a pointer to it (their credit was given already).
    waitlist_repository.forget_referrer(entry["_id"])
    erased = userdata.erase_entry(entry["_id"])[waitlist_repository.COLLECTION] == 1
    if erased:
        waitlist_counts.uncount(entry)
    return erased
