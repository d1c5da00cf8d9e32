"""Signed tokens for links in emails: HMAC over the payload, one salt per purpose, optional expiry.

Single use is not a property of the token: the state it acts on decides (an entry already confirmed,
an invitation already accepted), so replaying a used token changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer


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
