"""Tokens for links in emails, and bearer tokens. Signed tokens (HMAC over the payload, one salt per
purpose, optional expiry) carry ids only: their payload is readable by anyone holding the link. A payload
that names a person (an address) is sealed instead: encrypted with the ENCRYPTION_KEYS ring (Fernet,
authenticated), so the link says nothing and rotation works as for stored notes.

Single use is not a property of the token: the state it acts on decides (an entry already confirmed,
an invitation already accepted), so replaying a used token changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from shared import crypto


class TokenInvalid(Exception):
    """Forged, truncated or meant for another purpose."""


class TokenExpired(TokenInvalid):
    """Genuine but too old."""


def sign(secret: str, purpose: str, payload: Any, expiring: bool = True) -> str:
    serializer = URLSafeTimedSerializer if expiring else URLSafeSerializer
    return serializer(secret, salt=f"tyh.{purpose}").dumps(payload)


def unsign(secret: str, purpose: str, token: str, max_age: timedelta | None) -> Any:
    """The payload of a token made by `sign` for `purpose`; `max_age=None` for non-expiring tokens."""
    try:
        if max_age is None:
            return URLSafeSerializer(secret, salt=f"tyh.{purpose}").loads(token)
        return URLSafeTimedSerializer(secret, salt=f"tyh.{purpose}").loads(
            token, max_age=max_age.total_seconds()
        )
    except SignatureExpired as exc:
        raise TokenExpired(purpose) from exc
    except BadSignature as exc:
        raise TokenInvalid(purpose) from exc


def new_bearer(prefix: str) -> tuple[str, str]:
    """A new bearer token (shown once) and the SHA-256 to store in its place, so a leak replays nothing."""
    token = prefix + secrets.token_urlsafe(32)
    return token, bearer_digest(token)


def bearer_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def seal(keys: str, purpose: str, payload: Any) -> str:
    """An encrypted, non-expiring token for `purpose` (URL-safe)."""
    sealed = crypto.encrypt(keys, json.dumps({"p": purpose, "v": payload}, separators=(",", ":")))
    return sealed.removeprefix(crypto.PREFIX).rstrip("=")


def unseal(keys: str, purpose: str, token: str) -> Any:
    """The payload of a token made by `seal` for `purpose`; TokenInvalid for anything else."""
    try:
        plain = crypto.decrypt(keys, crypto.PREFIX + token + "=" * (-len(token) % 4))
        sealed = json.loads(plain)
    except (crypto.DecryptionError, ValueError, UnicodeError):
        raise TokenInvalid(purpose) from None
    if not isinstance(sealed, dict) or sealed.get("p") != purpose:
        raise TokenInvalid(purpose)
    return sealed.get("v")
