"""Emailed sign-in codes: the one owner of `sign_in_codes`.

Asking for a code must cost the same whether or not the address has an account, or the answer's timing
tells who is a member. So the ingestion service only sends `accounts.send_sign_in_code` with the address,
for every address alike, and the notification worker runs `issue_code`: it finds the account, stores a
keyed hash of a new code and requests the email. The ingestion service checks a code with the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from celery import Celery
from pymongo import ASCENDING, DESCENDING

from shared import languages, users
from shared.email import address_key, request_email
from shared.mongo import mongo
from shared.settings import Settings

CODES = "sign_in_codes"
CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6
CODE_MAX_ATTEMPTS = 5
TEMPLATE = "sign_in_code"


def ensure_indexes() -> None:
    mongo.db[CODES].create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])


def hash_code(settings: Settings, user_id: str, code: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_code(
    celery_app: Celery, settings: Settings, email: str, request_id: str, language: str | None = None
) -> bool:
    """Email a code if an account has this address, in `language` (the app's when the code was asked for)
    or else the account's; False (and nothing stored) if none has.

    Once per `request_id` (the task's id, which a task run again after its worker died keeps): the code
    follows from it and the server's secret, so a second run stores nothing new and requests the same
    email, which the outbox sends once. A new code per run would send a person two codes."""
    user = users.find_by_email(address_key(email), {"email": 1, "language": 1})
    if user is None:
        return False
    digest = hmac.new(settings.secret_key.encode(), f"sign-in-code:{request_id}".encode(), hashlib.sha256)
    code = f"{int.from_bytes(digest.digest()[:8]) % 10**CODE_DIGITS:0{CODE_DIGITS}d}"
    code_id = uuid.uuid5(uuid.NAMESPACE_URL, f"sign-in-code:{request_id}").hex
    now = datetime.now(UTC)
    record = {
        "user_id": user["_id"],
        "code_hash": hash_code(settings, user["_id"], code),
        "created_at": now,
        "expires_at": now + CODE_TTL,
        "attempts": 0,
        "used_at": None,
    }
    mongo.db[CODES].update_one({"_id": code_id}, {"$setOnInsert": record}, upsert=True)
    request_email(
        celery_app,
        template=TEMPLATE,
        to=user["email"],
        idempotency_key=f"sign-in:{code_id}",
        data={"code": code, "minutes": int(CODE_TTL.total_seconds() // 60)},
        user_id=user["_id"],
        language=language or languages.of(user),
    )
    return True


def latest_code(user_id: str) -> dict[str, Any] | None:
    return mongo.db[CODES].find_one({"user_id": user_id}, sort=[("created_at", DESCENDING)])


def count_failed_attempt(code_id: str) -> bool:
    """Spend one attempt; False once the code has none left."""
    result = mongo.db[CODES].update_one(
        {"_id": code_id, "used_at": None, "attempts": {"$lt": CODE_MAX_ATTEMPTS}}, {"$inc": {"attempts": 1}}
    )
    return result.modified_count == 1


def use_code(code_id: str, user_id: str, now: datetime) -> bool:
    """Single use: one conditional update; of two concurrent exchanges only one finds it unused."""
    result = mongo.db[CODES].update_one(
        {"_id": code_id, "user_id": user_id, "used_at": None}, {"$set": {"used_at": now}}
    )
    return result.modified_count == 1
