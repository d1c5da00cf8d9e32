"""Admin accounts and their API tokens: the admin_accounts and admin_api_tokens collections.

Passwords are hashed with argon2id (memory-hard). API tokens are bearer tokens (shared/tokens.py): only
their digest is stored.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from shared import tokens
from shared.mongo import mongo

ACCOUNTS = "admin_accounts"
TOKENS = "admin_api_tokens"
TOKEN_PREFIX = "tyh_admin_"  # noqa: S105 - a marker, not a secret
MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 "low memory" profile (64 MiB)
# Verified against when the email is unknown, so a login takes as long whether or not the account exists.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountExists(Exception):
    """An admin with this email already exists."""


class WeakPassword(ValueError):
    """The password is too short to protect an account that can read every waitlist entry."""


def ensure_indexes() -> None:
    mongo.db[ACCOUNTS].create_index([("email", ASCENDING)], unique=True, name="email_unique")
    mongo.db[TOKENS].create_index([("account_id", ASCENDING)], name="account_id")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_account(email: str, password: str) -> dict[str, Any]:
    """Store a new admin; raises AccountExists or WeakPassword."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"use at least {MIN_PASSWORD_LENGTH} characters")
    account = {
        "_id": uuid.uuid4().hex,
        "email": normalise_email(email),
        "password_hash": _hasher.hash(password),
        "created_at": datetime.now(UTC),
        "disabled": False,
    }
    try:
        mongo.db[ACCOUNTS].insert_one(account)
    except DuplicateKeyError:
        raise AccountExists(account["email"]) from None
    return account


def find_by_email(email: str) -> dict[str, Any] | None:
    return mongo.db[ACCOUNTS].find_one({"email": normalise_email(email)})


def find_active(account_id: str) -> dict[str, Any] | None:
    return mongo.db[ACCOUNTS].find_one({"_id": account_id, "disabled": False})


def check_password(email: str, password: str) -> dict[str, Any] | None:
    """The account when the password matches; None otherwise (same work either way)."""
    account = find_by_email(email)
    try:
        _hasher.verify(account["password_hash"] if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.get("disabled"):
        return None
    if _hasher.check_needs_rehash(account["password_hash"]):
        mongo.db[ACCOUNTS].update_one(
            {"_id": account["_id"]}, {"$set": {"password_hash": _hasher.hash(password)}}
        )
    return account


def end_sessions(account_id: str) -> None:
    """Invalidate every session cookie issued to the account so far (they carry the old version)."""
    mongo.db[ACCOUNTS].update_one({"_id": account_id}, {"$inc": {"session_version": 1}})


def create_token(account_id: str, name: str) -> tuple[str, dict[str, Any]]:
    """A new API token: the secret (shown once) and its stored record."""
    token, digest = tokens.new_bearer(TOKEN_PREFIX)
    record = {
        "_id": digest,
        "prefix": token[: len(TOKEN_PREFIX) + 6],
        "account_id": account_id,
        "name": name,
        "created_at": datetime.now(UTC),
        "last_used_at": None,
        "revoked_at": None,
    }
    mongo.db[TOKENS].insert_one(record)
    return token, record


def account_for_token(token: str) -> dict[str, Any] | None:
    """The active account behind a live API token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    record = mongo.db[TOKENS].find_one({"_id": tokens.bearer_digest(token), "revoked_at": None})
    if record is None:
        return None
    mongo.db[TOKENS].update_one({"_id": record["_id"]}, {"$set": {"last_used_at": datetime.now(UTC)}})
    return find_active(record["account_id"])


def tokens_of(account_id: str) -> list[dict[str, Any]]:
    return list(mongo.db[TOKENS].find({"account_id": account_id}))


def revoke_token(account_id: str, prefix: str) -> bool:
    """Revoke the account's live token whose shown prefix matches; False when none does."""
    result = mongo.db[TOKENS].update_one(
        {"account_id": account_id, "prefix": prefix, "revoked_at": None},
        {"$set": {"revoked_at": datetime.now(UTC)}},
    )
    return result.modified_count == 1
