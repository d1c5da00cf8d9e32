"""Admin authentication: password login with lockout, the session, CSRF tokens, and API bearer tokens.

Sign-in attempts are counted in Redis per account and per IP, before the password is checked (atomically,
so parallel guesses are counted too); a right password forgets the account's count. From a threshold on,
each attempt locks that subject for twice as long as the last (30 s, 1 min, 2 min ... at most 30 min), so
guessing is slow for an attacker and a person who mistyped a few times waits seconds, not hours.

The session cookie is signed, not stored; it names the account's session version, which signing out
raises, so a copy of the cookie ends with the sign-out.
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


# One attempt, counted before its password is checked (so parallel guesses cannot all be checked before the
# first failure is counted). KEYS are (fails, lock) per subject, ARGV a threshold per subject then the
# window and lock lengths. Refused (nothing counted) while any subject is locked; otherwise counted for each,
# and an attempt that reaches a subject's threshold sets its next, doubled lock as it is let through.
# Returns [ms left of the longest lock, or 0, then 1 or 0 per subject: this attempt set its lock].
_ATTEMPT = """
local subjects = #KEYS / 2
local window, base, most = ARGV[subjects + 1], tonumber(ARGV[subjects + 2]), tonumber(ARGV[subjects + 3])
local wait = 0
for i = 1, subjects do wait = math.max(wait, redis.call('PTTL', KEYS[2 * i])) end
if wait > 0 then return {wait} end
local out = {0}
for i = 1, subjects do
  local n = redis.call('INCR', KEYS[2 * i - 1])
  redis.call('EXPIRE', KEYS[2 * i - 1], window)
  local threshold = tonumber(ARGV[i])
  out[i + 1] = 0
  if n >= threshold then
    redis.call('SET', KEYS[2 * i], 1, 'EX', math.min(base * 2 ^ (n - threshold), most))
    out[i + 1] = 1
  end
end
return out
"""


def start_attempt(email: str, ip: str) -> list[str]:
    """Count one sign-in attempt against the account and the IP; raise LockedOut if either is locked.
    Returns the subjects whose lock this attempt set (lifted again if its password is right)."""
    subjects = _subjects(email, ip)
    keys = [name for key, _ in subjects for name in (f"{key}:fails", f"{key}:lock")]
    args = [threshold for _, threshold in subjects] + [FAILURE_WINDOW_S, BASE_LOCK_S, MAX_LOCK_S]
    wait_ms, *set_lock = redis_client.client.eval(_ATTEMPT, len(keys), *keys, *args)
    if wait_ms > 0:
        raise LockedOut(-(-int(wait_ms) // 1000))
    return [key for (key, _), mine in zip(subjects, set_lock, strict=True) if mine]


def succeeded(email: str, ip: str, locked_by_me: list[str]) -> None:
    """A right password: the account's failures are forgotten, the IP's count gives back this attempt."""
    client = redis_client.client
    account_key, ip_key = (key for key, _ in _subjects(email, ip))
    client.delete(f"{account_key}:fails", f"{account_key}:lock")
    client.decr(f"{ip_key}:fails")
    if ip_key in locked_by_me:
        client.delete(f"{ip_key}:lock")


def login(email: str, password: str, ip: str) -> dict[str, Any] | None:
    """The account for good credentials (and a fresh session); None for bad ones. Raises LockedOut."""
    locked_by_me = start_attempt(email, ip)
    # No admin has an address longer than any address may be; such a value is not looked up or hashed.
    account = accounts.check_password(email, password) if len(email) <= MAX_ADDRESS_LENGTH else None
    if account is None:
        return None
    succeeded(email, ip, locked_by_me)
    # A new session on sign-in: nothing from before (a planted CSRF token, say) carries over.
    session.clear()
    session["admin_id"] = account["_id"]
    session["admin_at"] = int(time.time())
    session["admin_version"] = account.get("session_version", 0)
    session["csrf"] = secrets.token_urlsafe(32)
    return account


def logout(admin: dict[str, Any]) -> None:
    """End this admin's sessions everywhere: a copy of the cookie kept elsewhere stops working too."""
    accounts.end_sessions(admin["_id"])
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
    admin = accounts.find_active(admin_id)
    if admin is None or admin.get("session_version", 0) != session.get("admin_version"):
        return None  # signed out since this cookie was issued
    return admin


def login_required(view):
    """Pages: anyone not signed in is sent to the login page, and comes back afterwards."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        admin = session_admin()
        if admin is None:
            session.pop("admin_id", None)
            return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
        g.admin = admin
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
        g.admin = admin
        return view(*args, **kwargs)

    return wrapper
