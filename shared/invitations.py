"""The invitation contract: the notification service's admin invites a waitlisted person; the ingestion
service turns an accepted invitation into an account.

An invitation is a document plus a signed link. The signature proves the link is ours; the document
decides whether it can still be used (expired, already accepted), so a link works once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from pymongo import ASCENDING, ReturnDocument

from shared.mongo import mongo
from shared.settings import Settings
from shared.tokens import TokenInvalid, sign, unsign

COLLECTION = "invitations"
PURPOSE = "invitation"
VALID_FOR = timedelta(days=14)


class InvitationUnusable(Exception):
    """Forged, expired or already accepted; the message says which (for logs, not for people)."""


def ensure_indexes() -> None:
    mongo.db[COLLECTION].create_index([("email_key", ASCENDING)])
    mongo.db[COLLECTION].create_index([("waitlist_entry_id", ASCENDING)])


def create_invitation(
    settings: Settings,
    *,
    email: str,
    name: str | None = None,
    waitlist_entry_id: str | None = None,
    created_by: str,
) -> tuple[dict, str]:
    """Store an invitation and return it with its link."""
    now = datetime.now(UTC)
    invitation = {
        "_id": uuid.uuid4().hex,
        "email": email.strip(),
        "email_key": email.strip().lower(),
        "name": name,
        "waitlist_entry_id": waitlist_entry_id,
        "created_by": created_by,
        "created_at": now,
        "expires_at": now + VALID_FOR,
        "accepted_at": None,
        "user_id": None,
    }
    mongo.db[COLLECTION].insert_one(invitation)
    return invitation, accept_url(settings, invitation["_id"])


def find(invitation_id: str) -> dict | None:
    return mongo.db[COLLECTION].find_one({"_id": invitation_id})


def delete(invitation_id: str) -> None:
    """Withdraw an invitation nobody was sent (its entry had moved on when it was made)."""
    mongo.db[COLLECTION].delete_one({"_id": invitation_id})


def accept_url(settings: Settings, invitation_id: str, language: str | None = None) -> str:
    """The invitation's link; with `language`, its page opens in it (`?lang=`, as the waitlist's links)."""
    url = f"{settings.app_base_url}/invitations/{sign(settings.secret_key, PURPOSE, {'i': invitation_id})}"
    return f"{url}?{urlencode({'lang': language})}" if language else url


def verify_invitation(settings: Settings, token: str) -> dict:
    """The usable invitation behind a link, or InvitationUnusable."""
    try:
        invitation_id = unsign(settings.secret_key, PURPOSE, token, max_age=VALID_FOR)["i"]
    except (TokenInvalid, KeyError, TypeError) as exc:
        raise InvitationUnusable("bad or expired signature") from exc
    invitation = mongo.db[COLLECTION].find_one({"_id": invitation_id})
    if invitation is None:
        raise InvitationUnusable("no such invitation (revoked or erased)")
    if invitation["accepted_at"] is not None:
        raise InvitationUnusable("already accepted")
    if invitation["expires_at"] <= datetime.now(UTC):
        raise InvitationUnusable("expired")
    return invitation


def mark_accepted(invitation_id: str, user_id: str) -> bool:
    """The conditional update is the single use: of two concurrent acceptances only one wins."""
    result = mongo.db[COLLECTION].find_one_and_update(
        {"_id": invitation_id, "accepted_at": None},
        {"$set": {"accepted_at": datetime.now(UTC), "user_id": user_id}},
        return_document=ReturnDocument.AFTER,
    )
    return result is not None


def release(invitation_id: str) -> None:
    """Undo a claim whose account could not be created, so the person can try again."""
    mongo.db[COLLECTION].update_one({"_id": invitation_id}, {"$set": {"accepted_at": None, "user_id": None}})
