"""Redis-backed rate limits: fixed windows keyed by purpose and subject, shared by every service.

A fixed window is one atomic INCR per limit (a Lua script also sets the expiry on the first hit), so the
limiter adds one round trip to a request. Its known weakness, up to twice the limit across a window edge,
is acceptable for abuse control. Subjects (emails, IPs) are hashed so Redis never holds them in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from shared.redis_client import redis_client
from shared.web.problems import DomainError

KEY_PREFIX = "rl"

# KEYS[1] = counter; ARGV[1] = window in ms. Returns [count after this hit, ms until the window ends].
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@dataclass(frozen=True)
class Limit:
    """At most `limit` hits per `window_s` seconds for one subject, under one purpose."""

    purpose: str
    limit: int
    window_s: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # whole seconds until a hit would be allowed again; 0 when allowed
    remaining: int


class RateLimited(DomainError):
    status = 429
    title = "Too many requests"
    type_slug = "rate-limited"
    detail = "Too many attempts in a short time. Please wait a little and try again."

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def subject_key(limit: Limit, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    return f"{KEY_PREFIX}:{limit.purpose}:{digest}"


def hit(limit: Limit, subject: str, client: redis.Redis | None = None) -> Decision:
    """Count one attempt by `subject` against `limit` and say whether it may go ahead."""
    return hit_all([limit], subject, client)


def hit_all(limits: Iterable[Limit], subject: str, client: redis.Redis | None = None) -> Decision:
    """Count one attempt against several limits (one round trip); refused if any refuses."""
    limits = list(limits)
    pipe = (client or redis_client.client).pipeline(transaction=False)
    for limit in limits:
        pipe.eval(_HIT, 1, subject_key(limit, subject), limit.window_s * 1000)
    remaining, retry_after = [], []
    for limit, (count, ttl_ms) in zip(limits, pipe.execute(), strict=True):
        remaining.append(max(0, limit.limit - int(count)))
        if int(count) > limit.limit:
            retry_after.append(max(1, -(-int(ttl_ms) // 1000)))  # round up: never invite an early retry
    if retry_after:
        return Decision(False, max(retry_after), 0)
    return Decision(True, 0, min(remaining, default=0))


def enforce(limits: Iterable[Limit], subject: str, client: redis.Redis | None = None) -> None:
    """Count one attempt; raise `RateLimited` (429 with Retry-After) when any limit is exceeded."""
    decision = hit_all(limits, subject, client)
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


def reset(limit: Limit, subject: str, client: redis.Redis | None = None) -> None:
    """Forget the count for one subject (e.g. after a successful sign-in)."""
    (client or redis_client.client).delete(subject_key(limit, subject))
