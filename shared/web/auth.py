"""Bearer-token checks for operator and machine endpoints, compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from flask import request

from shared.runtime import runtime_of
from shared.settings import Settings
from shared.web.problems import DomainError


class BearerAuthRequired(DomainError):
    status = 401
    title = "Authentication required"
    detail = "This endpoint needs a valid token in an 'Authorization: Bearer' header."

    def __init__(self, realm: str) -> None:
        super().__init__()
        self.headers = {"WWW-Authenticate": f'Bearer realm="{realm}"'}


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def secret_bearer_required(secret_of: Callable[[Settings], str], realm: str):
    """Decorator: the request must carry the secret that `secret_of(settings)` names, before anything else."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = bearer_token() or ""
            if not hmac.compare_digest(token.encode(), secret_of(runtime_of().settings).encode()):
                raise BearerAuthRequired(realm)
            return view(*args, **kwargs)

        return wrapper

    return decorator


operator_required = secret_bearer_required(lambda s: s.ops_token, "operators")
