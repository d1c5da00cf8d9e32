"""Rate limits of the ingestion API, in one place (Redis-backed; 429 with Retry-After)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from flask import g, request

from shared.email import address_key
from shared.ratelimit import Limit, check, enforce

log = logging.getLogger(__name__)

CODE_REQUESTS_PER_ADDRESS = Limit("signin-code-address", limit=5, window_s=3600)
CODE_REQUESTS_PER_IP = Limit("signin-code-ip", limit=30, window_s=3600)
CODE_ATTEMPTS_PER_ADDRESS = Limit("signin-exchange-address", limit=10, window_s=900)
CODE_ATTEMPTS_PER_IP = Limit("signin-exchange-ip", limit=60, window_s=900)
# Generous: an offline phone syncing in batches stays far below it; a runaway client does not.
WRITES_PER_PERSON = Limit("event-writes", limit=600, window_s=60)
# Each report costs seconds of a report worker; a person needs a handful a week. One is in flight at a time
# anyway (shared/reports.py), so this bounds a client that asks again the moment each one is ready.
REPORTS_PER_PERSON = Limit("report-requests", limit=10, window_s=3600)


def client_ip() -> str:
    """The caller's address; X-Forwarded-For counts only behind a trusted proxy (TRUSTED_PROXY_COUNT)."""
    return request.remote_addr or "unknown"


def limit_code_requests(email: str) -> None:
    enforce([CODE_REQUESTS_PER_ADDRESS], address_key(email))
    enforce([CODE_REQUESTS_PER_IP], client_ip())


def limit_code_exchange(email: str) -> None:
    enforce([CODE_ATTEMPTS_PER_ADDRESS], address_key(email))
    enforce([CODE_ATTEMPTS_PER_IP], client_ip())


def limit_reports(user_id: str) -> None:
    """Fails open: with Redis down a report is still taken, one at a time per person."""
    try:
        enforce([REPORTS_PER_PERSON], user_id)
    except redis.RedisError as exc:
        log.warning("report rate limit skipped: Redis unavailable", extra={"reason": str(exc)[:200]})


def writes_if(ready: Callable[[], bool]) -> Callable[[], list[Limit]]:
    """For login_required(counting=...) on a write endpoint: a request that `ready()` finds sure to reach
    limit_writes (it is well formed) is counted with the cached sign-in's check, saving a round trip. The
    count happens only then, so malformed requests are never counted, as before."""
    return lambda: [WRITES_PER_PERSON] if ready() else []


def limit_writes(user_id: str) -> None:
    """Fails open: with Redis down, events are still taken (they are durable in MongoDB first). A write
    already counted with the sign-in check (`writes_if`) is not counted again."""
    counted = g.pop("counted", None)
    try:
        if counted is not None:
            check(counted)
        else:
            enforce([WRITES_PER_PERSON], user_id)
    except redis.RedisError as exc:
        log.warning("write rate limit skipped: Redis unavailable", extra={"reason": str(exc)[:200]})
