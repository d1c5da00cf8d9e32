"""Admin authentication: password login with lockout, the session, CSRF tokens, and API bearer tokens.

Failed logins are counted in Redis per account and per IP. Past a threshold each further failure locks
that subject for twice as long as the last (30 s, 1 min, 2 min ... at most 30 min), so guessing is slow
for an attacker and a person who mistyped a few times waits seconds, not hours.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from functools import wraps
from typing import Any

from flask import g, redirect, request, session, url_for

from services.notification.admin import accounts
from shared.address import MAX_ADDRESS_LENGTH
from shared.redis_client import redis_client
from shared.web.problems import DomainError

ACCOUNT_THRESHOLD = 5  # failures per account before locking starts
IP_THRESHOLD = 20  # failures per IP (several admins may share an office address)
FAILURE_WINDOW_S = 60 * 60
BASE_LOCK_S = 30
MAX_LOCK_S = 30 * 60
SESSION_MAX_AGE_S = 12 * 60 * 60  # an admin signs in again every working day


class LockedOut(DomainError):
    status = 429
    title = "Too many attempts"
    type_slug = "rate-limited"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"Too many failed sign-ins. Please wait {minutes} minute{'s' if minutes > 1 else ''} "
            "and try again.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


class ApiAuthRequired(DomainError):
    status = 401
    title = "Authentication required"
    detail = "This endpoint needs an admin API token in an 'Authorization: Bearer' header."
    headers = {"WWW-Authenticate": 'Bearer realm="admin"'}


class CsrfFailed(DomainError):
    status = 400
    title = "Form expired"
    detail = "This form has expired. Please go back, reload the page and try again."


def _subject(kind: str, value: str) -> str:
    return f"admin:login:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _subjects(email: str, ip: str) -> list[tuple[str, int]]:
    return [
        (_subject("acct", accounts.normalise_email(email)), ACCOUNT_THRESHOLD),
        (_subject("ip", ip), IP_THRESHOLD),
    ]


def check_not_locked(email: str, ip: str) -> None:
    """Raise LockedOut while the account or the IP is in a backoff period."""
    client = redis_client.client
    ttls = [client.pttl(f"{key}:lock") for key, _ in _subjects(email, ip)]
    wait_ms = max(ttls)
    if wait_ms > 0:
        raise LockedOut(-(-wait_ms // 1000))


def record_failure(email: str, ip: str) -> None:
    client = redis_client.client
    for key, threshold in _subjects(email, ip):
        failures = client.incr(f"{key}:fails")
        client.expire(f"{key}:fails", FAILURE_WINDOW_S)
        if failures >= threshold:
            lock_s = min(BASE_LOCK_S * 2 ** (failures - threshold), MAX_LOCK_S)
            client.set(f"{key}:lock", 1, ex=lock_s)


def clear_failures(email: str) -> None:
    key = _subject("acct", accounts.normalise_email(email))
    redis_client.client.delete(f"{key}:fails", f"{key}:lock")


def login(email: str, password: str, ip: str) -> dict[str, Any] | None:
    """The account for good credentials (and a fresh session); None for bad ones. Raises LockedOut."""
    check_not_locked(email, ip)
    # No admin has an address longer than any address may be; such a value is not looked up or hashed.
    account = accounts.check_password(email, password) if len(email) <= MAX_ADDRESS_LENGTH else None
    if account is None:
        record_failure(email, ip)
        return None
    clear_failures(email)
    # A new session on sign-in: nothing from before (a planted CSRF token, say) carries over.
    session.clear()
    session["admin_id"] = account["_id"]
    session["admin_at"] = int(time.time())
    session["csrf"] = secrets.token_urlsafe(32)
    return account


def logout() -> None:
    session.clear()


def csrf_token() -> str:
    """This session's CSRF token, created on first use (the login form needs one before sign-in)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Every POST form carries the session's token; a cross-site form cannot know it."""
    expected = session.get("csrf")
    sent = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def session_admin() -> dict[str, Any] | None:
    """The signed-in admin, or None (never signed in, session too old, account disabled)."""
    admin_id, signed_in_at = session.get("admin_id"), session.get("admin_at", 0)
    if not admin_id or time.time() - signed_in_at > SESSION_MAX_AGE_S:
        return None
    return accounts.find_active(admin_id)


def login_required(view):
    """Pages: anyone not signed in is sent to the login page, and comes back afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        admin = session_admin()
        if admin is None:
            session.pop("admin_id", None)
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        g.admin, g.admin_via = admin, "web"
        return view(*args, **kwargs)

    return wrapper


def token_required(view):
    """JSON API: a live admin API token, or 401 problem+json."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        admin = accounts.account_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if admin is None:
            raise ApiAuthRequired()
        g.admin, g.admin_via = admin, "api"
        return view(*args, **kwargs)

    return wrapper
