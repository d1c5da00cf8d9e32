"""Redis-backed rate limits: fixed windows keyed by purpose and subject, shared by every service.

A fixed window is one atomic INCR per limit (a Lua script also sets the expiry on the first hit); one
script call counts every limit of a request, so the limiter adds one round trip to it, or none when the
count rides with another look at Redis (`hit_all_unless_stamped`). Its known weakness, up to twice the
limit across a window edge, is acceptable for abuse control. Subjects (emails, IPs) are hashed so Redis
never holds them in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import redis

from shared.redis_client import redis_client
from shared.web.problems import DomainError

KEY_PREFIX = "rl"

# KEYS[first..] = counters; ARGV[first..] = their windows in ms. Returns, per counter, [count after this
# hit, ms until the window ends].
_COUNT = """
local out = {}
for i = first, #KEYS do
  local count = redis.call('INCR', KEYS[i])
  if count == 1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[i])
  end
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[i], ARGV[i])
    ttl = tonumber(ARGV[i])
  end
  out[#out + 1] = {count, ttl}
end
return out
"""
_HIT = "local first = 1" + _COUNT
# KEYS[1] = a key holding a time (repr of time.time()), KEYS[2] = a key holding a token; ARGV[1] = a time,
# ARGV[2] = a token. Counts nothing and returns nil when the first key holds that time or a later one, or the
# second does not hold that token; otherwise counts KEYS[3..] as _HIT does.
_HIT_UNLESS_STAMPED = (
    """
local stamp = redis.call('GET', KEYS[1])
if (stamp and tonumber(stamp) >= tonumber(ARGV[1])) or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return false
end
local first = 3"""
    + _COUNT
)


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
    keys, windows = _counters(limits, subject)
    counts = (client or redis_client.client).eval(_HIT, len(keys), *keys, *windows)
    return _decide(limits, counts)


def hit_all_each(
    limits: Iterable[Limit], subjects: list[str], client: redis.Redis | None = None
) -> list[Decision]:
    """`hit_all` for each of several subjects, in one round trip (a batch of sign-ups)."""
    limits = list(limits)
    pipe = (client or redis_client.client).pipeline(transaction=False)
    for subject in subjects:
        keys, windows = _counters(limits, subject)
        pipe.eval(_HIT, len(keys), *keys, *windows)
    return [_decide(limits, counts) for counts in pipe.execute()] if subjects else []


def hit_all_unless_stamped(
    limits: Iterable[Limit],
    subject: str,
    stamp: tuple[str, float],
    epoch: tuple[str, str],
    client: redis.Redis | None = None,
) -> Decision | None:
    """`hit_all`, in the same round trip as a look at two keys: None, and nothing counted, when the key
    `stamp` names holds its time or a later one, or the key `epoch` names no longer holds its token."""
    limits = list(limits)
    keys, windows = _counters(limits, subject)
    (stamp_key, since), (epoch_key, token) = stamp, epoch
    counts = (client or redis_client.client).eval(
        _HIT_UNLESS_STAMPED, len(keys) + 2, stamp_key, epoch_key, *keys, repr(since), token, *windows
    )
    return None if counts is None else _decide(limits, counts)


def _counters(limits: list[Limit], subject: str) -> tuple[list[str], list[int]]:
    return [subject_key(limit, subject) for limit in limits], [limit.window_s * 1000 for limit in limits]


def _decide(limits: list[Limit], counts: list) -> Decision:
    remaining, retry_after = [], []
    for limit, (count, ttl_ms) in zip(limits, counts, strict=True):
        remaining.append(max(0, limit.limit - int(count)))
        if int(count) > limit.limit:
            retry_after.append(max(1, -(-int(ttl_ms) // 1000)))  # round up: never invite an early retry
    if retry_after:
        return Decision(False, max(retry_after), 0)
    return Decision(True, 0, min(remaining, default=0))


def check(decision: Decision) -> None:
    """Raise `RateLimited` (429 with Retry-After) for a refused decision."""
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


def enforce(limits: Iterable[Limit], subject: str, client: redis.Redis | None = None) -> None:
    """Count one attempt; raise `RateLimited` (429 with Retry-After) when any limit is exceeded."""
    check(hit_all(limits, subject, client))
