"""Account rules: accepting an invitation, emailed sign-in codes, device tokens, the profile."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from pymongo.errors import DuplicateKeyError

from services.ingestion.accounts import auth_cache, repository, tombstones
from services.ingestion.accounts.exceptions import (
    AccountErased,
    AlreadyRegistered,
    InvitationUnusable,
    NotAuthenticated,
    SignInFailed,
)
from shared import invitations, push_subscriptions, sign_in, tokens, users
from shared.email import address_key
from shared.queue import enqueue
from shared.ratelimit import Decision, Limit
from shared.settings import Settings
from shared.tasks import INVITATION_ACCEPTED, SEND_SIGN_IN_CODE

TOKEN_PREFIX = "tyh_"  # noqa: S105 - a recognisable prefix, not a secret
TOUCH_EVERY = timedelta(hours=1)  # last_used_at is informative; writing it per request would cost a write

# The consent shown at acceptance, versioned: what a person agreed to is recorded with its version.
HEALTH_CONSENT_VERSION = "health-data-2026-11"
HEALTH_CONSENT_TEXT = (
    "I explicitly consent to Track Your Healing processing the health information I enter (symptoms, doses, "
    "check-ins and notes) to show me summaries and build reports I choose to share. I can export or erase it "
    "at any time, and withdrawing consent erases it."
)


def create_account(
    email: str,
    display_name: str,
    time_zone: str,
    consent: dict[str, Any],
    *,
    invitation_id: str | None = None,
    user_id: str | None = None,
    language: str | None = None,
) -> dict:
    """A new person; the health-data consent is recorded separately, with its text version. Without a
    `language`, the account takes the app's at its first sign-in (exchange_code)."""
    now = datetime.now(UTC)
    user = {
        "_id": user_id or uuid.uuid4().hex,
        "email": email.strip(),
        "email_key": address_key(email),
        "display_name": display_name,
        "time_zone": time_zone,
        "preferences": {},
        "consents": {"health_data": {"version": HEALTH_CONSENT_VERSION, "given_at": now, **consent}},
        "invitation_id": invitation_id,
        "created_at": now,
    }
    if language:
        user["language"] = language
    try:
        users.insert(user)
    except DuplicateKeyError:
        raise AlreadyRegistered() from None
    return user


def issue_device_token(user_id: str, name: str, platform: str) -> tuple[str, dict]:
    """A new opaque token for one device; only its hash is kept, so it is shown exactly once."""
    token, digest = tokens.new_bearer(TOKEN_PREFIX)
    now = datetime.now(UTC)
    device = {
        "_id": uuid.uuid4().hex,
        "user_id": user_id,
        "name": name,
        "platform": platform,
        "token_hash": digest,
        "created_at": now,
        "last_used_at": now,
        "revoked_at": None,
    }
    repository.insert_device(device)
    return token, device


def authenticate(
    token: str | None, counting: Callable[[], Sequence[Limit]] | None = None
) -> tuple[dict, dict, Decision | None]:
    """(user, device, decision) for a bearer token, or NotAuthenticated. `decision` is that of the rate
    limits `counting` names when they were counted with the sign-in check (auth_cache.get), else None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise NotAuthenticated()
    token_hash = tokens.bearer_digest(token)
    cached = auth_cache.get(token_hash, counting)
    if cached is not None:
        return cached
    read = auth_cache.reading()
    device = repository.find_active_device(token_hash)
    user = users.find(device["user_id"]) if device else None
    if user is None:
        raise AccountErased() if tombstones.buried(token_hash) else NotAuthenticated()
    now = datetime.now(UTC)
    if now - device["last_used_at"] > TOUCH_EVERY:
        repository.touch_device(device["_id"], now)
    auth_cache.put(token_hash, user, device, read)
    return user, device, None


def revoke_device(user_id: str, device_id: str) -> bool:
    """Sign one device out; its token stops working at once in every process, and no dose reminder
    reaches it any more (a lost phone's lock screen)."""
    revoked = repository.revoke_device(user_id, device_id, datetime.now(UTC))
    auth_cache.account_changed(user_id)
    push_subscriptions.remove_of_device(user_id, device_id)
    return revoked


def request_sign_in_code(celery_app: Celery, email: str, language: str | None = None) -> None:
    """Ask the notification worker to email a code if an account exists. The request does the same work
    for every address (one task), so neither its answer nor its timing tells who has an account."""
    enqueue(celery_app, SEND_SIGN_IN_CODE, email=email, language=language)


def exchange_code(
    settings: Settings,
    email: str,
    code: str,
    device_name: str,
    platform: str,
    *,
    language: str | None = None,
) -> tuple[str, dict]:
    """A device token for a valid, unexpired, unused code; every failure looks the same. The app's
    `language` becomes the account's if it has none yet, so a person who never opens Settings still gets
    their emails (a safety message among them) in the language they use the app in."""
    user = users.find_by_email(address_key(email))
    record = sign_in.latest_code(user["_id"]) if user else None
    user_id = user["_id"] if user else "0" * 32
    unusable = sign_in.hash_code(settings, user_id, "x" * sign_in.CODE_DIGITS)
    expected = record["code_hash"] if record else unusable
    matches = hmac.compare_digest(expected, sign_in.hash_code(settings, user_id, code))  # constant time
    now = datetime.now(UTC)
    usable = record is not None and record["used_at"] is None and record["expires_at"] > now
    if not (usable and record["attempts"] < sign_in.CODE_MAX_ATTEMPTS):
        raise SignInFailed()
    if not matches:
        sign_in.count_failed_attempt(record["_id"])
        raise SignInFailed()
    if not sign_in.use_code(record["_id"], user["_id"], now):
        raise SignInFailed()
    if language and users.adopt_language(user["_id"], language):
        auth_cache.account_changed(user["_id"])
    return issue_device_token(user["_id"], device_name, platform)


def update_profile(user_id: str, changes: dict[str, Any]) -> dict:
    fields: dict[str, Any] = {}
    for key in ("display_name", "time_zone", "language"):
        if key in changes:
            fields[key] = changes[key]
    for key, value in changes.get("preferences", {}).items():
        fields[f"preferences.{key}"] = value
    if not fields:
        return users.find(user_id)
    fields["updated_at"] = datetime.now(UTC)
    user = users.update(user_id, fields)
    auth_cache.account_changed(user_id)  # e.g. a new time zone must place the next event correctly
    return user


def accept_invitation(
    celery_app: Celery,
    invitation: dict,
    body: dict[str, Any],
    consent: dict[str, Any],
    *,
    issue_token: bool = True,
    language: str | None = None,
) -> tuple[dict, str | None, dict | None]:
    """Claim the invitation (single use) and create the account; with `issue_token`, sign this device in
    (the app's path; the web page only creates the account, in the `language` its link or browser asked
    for)."""
    user_id = uuid.uuid4().hex
    if not invitations.mark_accepted(invitation["_id"], user_id):
        raise InvitationUnusable()
    try:
        user = create_account(
            invitation["email"],
            body["display_name"],
            body["time_zone"],
            consent,
            invitation_id=invitation["_id"],
            user_id=user_id,
            language=language,
        )
    except AlreadyRegistered:
        invitations.release(invitation["_id"])
        raise
    if invitation.get("waitlist_entry_id"):
        enqueue(
            celery_app,
            INVITATION_ACCEPTED,
            invitation_id=invitation["_id"],
            waitlist_entry_id=invitation["waitlist_entry_id"],
        )
    if not issue_token:
        return user, None, None
    token, device = issue_device_token(user["_id"], body["device_name"], body["platform"])
    return user, token, device
